/**
 * Runs the projector against DATABASE_URL until killed: the tally projection, or
 * every read model with `all` as argument. Used by the kill -9 tests: it prints
 * "running" once it holds the locks.
 */
import knexFactory from 'knex';
import pg from 'pg';
import '../../src/db/database';
import { createPostgresEventStore } from '../../src/eventstore/postgres';
import { createLogger } from '../../src/logger';
import { createProjector } from '../../src/projections/projector';
import { allProjections } from '../../src/all-projections';
import { tallyProjection } from './tally-projection';

const url = process.env.DATABASE_URL!;
const knex = knexFactory({ client: 'pg', connection: url });
const pool = new pg.Pool({ connectionString: url });
const store = createPostgresEventStore(pool, { pollIntervalMs: 100 });
const projections = process.argv[2] === 'all' ? allProjections(store) : [tallyProjection];
const projector = createProjector({ store, knex, pool, projections, logger: createLogger('silent'), options: { batchSize: 50 } });
await projector.start();
for (;;) {
  const status = await projector.status();
  if (status.every((s) => s.running_here)) break;
  await new Promise((r) => setTimeout(r, 20));
}
process.stdout.write('running\n');
