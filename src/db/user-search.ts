import type { Knex } from 'knex';

/**
 * Fragment search over users: any part of the id, provided id, (primary) email,
 * username, phone or full name. One lower-cased text per user, indexed with a
 * pg_trgm GIN index, so `LIKE '%fragment%'` is an index lookup at a million
 * users; the same expression is used by the index and the query, or PostgreSQL
 * would not use the index. Without pg_trgm (an external server without the
 * contrib modules) the search still works, as a scan.
 *
 * It lives in src/db because a migration (0009) builds these indexes on
 * existing tables too, and the database layer does not import read models.
 */
export const USER_SEARCH_TEXT =
  "lower(id || ' ' || coalesce(provided_id, '') || ' ' || coalesce(email, '') || ' ' || coalesce(username, '') || ' ' || coalesce(phone, '') || ' ' || coalesce(full_name, ''))";

/**
 * A user's search text makes about a hundred trigrams, and GIN inserts them
 * through its pending list, merged into the index when the list is full. A
 * larger list (32 MB, against 4 MB by default) merges ten times less often, in
 * bigger sorted runs: an import's batches cost about a third of what they did
 * for this index. The price: a search scans the unmerged entries too — measured
 * here at 50,000 users, 85 ms with the list full against 26 ms — until the next
 * merge or autovacuum.
 */
export const SEARCH_PENDING_LIST_KB = 32768;

export async function hasTrigramExtension(db: Knex | Knex.Transaction): Promise<boolean> {
  const { rows } = await db.raw<{ rows: unknown[] }>(`select 1 from pg_extension where extname = 'pg_trgm'`);
  return rows.length > 0;
}

/**
 * The indexes the console's users page needs on one physical users table: the
 * trigram index for fragments, and partial indexes for the rare-value filters
 * (suspended, password reset required) in the console's email order.
 */
export async function createUserSearchIndexes(db: Knex | Knex.Transaction, table: string): Promise<void> {
  if (await hasTrigramExtension(db)) {
    await db.raw(`create index if not exists ?? on ?? using gin ((${USER_SEARCH_TEXT}) gin_trgm_ops) with (gin_pending_list_limit = ${SEARCH_PENDING_LIST_KB})`, [`${table}_search_idx`, table]);
  }
  await db.raw(`create index if not exists ?? on ?? (sort_email, id) where is_suspended and status <> 'deleted'`, [`${table}_suspended_idx`, table]);
  await db.raw(`create index if not exists ?? on ?? (sort_email, id) where is_password_reset_requested and status <> 'deleted'`, [`${table}_reset_idx`, table]);
}
