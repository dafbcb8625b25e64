import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded';
import { migrate } from './migrations';

// bigint columns (counts, positions) come back as strings by default; they fit in a JS number here.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface Database {
  readonly url: string;
  readonly knex: Knex;
  /** A raw pg pool for the hot paths (event store appends and reads). */
  readonly pool: pg.Pool;
  readonly embedded?: EmbeddedPostgres;
  close(): Promise<void>;
}

/** Connects to DATABASE_URL, or starts (or joins) the embedded PostgreSQL, then migrates. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'pgPort'>, logger: Logger, options: { migrate?: boolean } = {}): Promise<Database> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.pgPort, logger });
  const url = config.databaseUrl ?? embedded!.url;
  const knex = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 10 } });
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  pool.on('error', (err) => logger.warn('idle database connection failed', { err }));
  try {
    if (options.migrate !== false) {
      const applied = await migrate(knex);
      if (applied.length) logger.info('migrations applied', { applied });
    }
  } catch (err) {
    await Promise.allSettled([knex.destroy(), pool.end()]);
    await embedded?.stop();
    throw err;
  }
  return {
    url,
    knex,
    pool,
    embedded,
    async close() {
      await Promise.allSettled([knex.destroy(), pool.end()]);
      await embedded?.stop();
    },
  };
}
