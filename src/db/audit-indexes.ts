import type { Knex } from 'knex';

/**
 * The audit log's indexes for "what did this API client do" and "what came from
 * this address": partial, over the entries that have an actor id or an address.
 * An imported user's entry (actor `import`, no address) and most system entries
 * have neither, so an import does not maintain two indexes for nothing — about a
 * seventh of an audit entry's insert (measured: 50,000 import-shaped entries,
 * 500–700 ms with full indexes against 405–650 ms). The queries filter by
 * equality, which implies "not null", so PostgreSQL still uses them.
 *
 * It lives in src/db because a migration (0014) rebuilds these indexes on existing
 * tables too, and the database layer does not import read models.
 */
export async function createAuditActorIpIndexes(db: Knex | Knex.Transaction, table: string): Promise<void> {
  await db.raw('create index if not exists ?? on ?? (actor_id, seq) where actor_id is not null', [`${table}_actor_idx`, table]);
  await db.raw('create index if not exists ?? on ?? (ip, seq) where ip is not null', [`${table}_ip_idx`, table]);
}
