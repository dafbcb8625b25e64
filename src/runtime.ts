import type { Config } from './config';
import { openDatabase, type Database } from './db/database';
import { createPostgresEventStore } from './eventstore/postgres';
import type { EventStore } from './eventstore/types';
import type { Logger } from './logger';
import { allProjections } from './projections';
import type { Projection } from './projections/projection';
import { createProjector, type Projector } from './projections/projector';

/**
 * The composition root: database (external or embedded), event store (PostgreSQL
 * or EventStoreDB), projector. Every entry point (serve, import, stats, tests of
 * the whole app) opens one of these and closes it when done.
 */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly store: EventStore;
  readonly projector: Projector;
  close(): Promise<void>;
}

export async function openRuntime(
  config: Config,
  logger: Logger,
  options: { projections?: readonly Projection[]; migrate?: boolean } = {},
): Promise<Runtime> {
  const db = await openDatabase(config, logger, { migrate: options.migrate });
  let store: EventStore;
  try {
    if (config.eventStoreConnectionString) {
      // Loaded only when configured: the gRPC client is heavy.
      const { createEsdbEventStore } = await import('./eventstore/esdb');
      store = createEsdbEventStore(config.eventStoreConnectionString);
    } else {
      store = createPostgresEventStore(db.pool);
    }
  } catch (err) {
    await db.close();
    throw err;
  }
  const projector = createProjector({ store, knex: db.knex, pool: db.pool, projections: options.projections ?? allProjections, logger });
  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    db,
    store,
    projector,
    close: () =>
      (closing ??= (async () => {
        await projector.stop();
        await store.close();
        await db.close();
      })()),
  };
}
