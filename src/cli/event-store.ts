import type { Config } from '../config';
import type { Database } from '../db/database';
import { createPostgresEventStore } from '../eventstore/postgres';
import type { EventStore } from '../eventstore/types';

/**
 * The event store the server uses (picked as openRuntime picks it), for CLI
 * commands that only record a fact or two (operators, clients): no key file,
 * no import spool, no projector.
 */
export async function openEventStore(config: Config, db: Database): Promise<EventStore> {
  if (!config.eventStoreConnectionString) return createPostgresEventStore(db.pool);
  const { createEsdbEventStore } = await import('../eventstore/esdb');
  return createEsdbEventStore(config.eventStoreConnectionString);
}
