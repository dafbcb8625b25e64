import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { inject } from 'vitest';
import { ensureDatabase } from '../../src/db/embedded';
import { migrate } from '../../src/db/migrations';
import '../../src/db/database'; // registers the bigint type parser
import { createPostgresEventStore } from '../../src/eventstore/postgres';
import type { EventStore } from '../../src/eventstore/types';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  readonly knex: Knex;
  readonly pool: pg.Pool;
  readonly store: EventStore;
  close(): Promise<void>;
}

/** A fresh, migrated database on the run's PostgreSQL (see global-setup.ts). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = inject('pgUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const url = base.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  await ensureDatabase(url, name);
  const knex = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 10 } });
  await migrate(knex);
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  const store = createPostgresEventStore(pool, { pollIntervalMs: 200 });
  return {
    url,
    name,
    knex,
    pool,
    store,
    async close() {
      await store.close();
      await Promise.allSettled([knex.destroy(), pool.end()]);
    },
  };
}
