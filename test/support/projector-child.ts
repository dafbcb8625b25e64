/**
 * Runs the projector with the tally projection against DATABASE_URL until killed.
 * Used by the kill -9 test: it prints "running" once it holds the lock.
 */
import knexFactory from 'knex';
import pg from 'pg';
import '../../src/db/database';
import { createPostgresEventStore } from '../../src/eventstore/postgres';
import { createLogger } from '../../src/logger';
import { createProjector } from '../../src/projections/projector';
import { tallyProjection } from './tally-projection';

const url = process.env.DATABASE_URL!;
const knex = knexFactory({ client: 'pg', connection: url });
const pool = new pg.Pool({ connectionString: url });
const store = createPostgresEventStore(pool, { pollIntervalMs: 100 });
const projector = createProjector({ store, knex, pool, projections: [tallyProjection], logger: createLogger('silent'), options: { batchSize: 50 } });
await projector.start();
for (;;) {
  const [s] = await projector.status();
  if (s?.running_here) break;
  await new Promise((r) => setTimeout(r, 20));
}
process.stdout.write('running\n');
