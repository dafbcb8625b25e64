import { viewName, type Projection } from '../projection';

/**
 * Which users each import job created or changed: one row per (import, user),
 * from the import provenance every imported event carries in its metadata.
 * Answers the console's "imported by job" filter (`GET /api/v1/users?import_id=`)
 * with a primary-key range. One multi-row insert per batch, so an import pays a
 * statement per batch, not per row; replays insert nothing new.
 */
export const userImportsProjection: Projection = {
  name: 'user_imports',
  version: 1,
  tables: ['user_imports'],
  async setup(db, t) {
    await db.raw('create table ?? (import_id text not null, user_id text not null, primary key (import_id, user_id))', [t('user_imports')]);
  },
  async apply(db, events, t) {
    const pairs = new Map<string, [string, string]>();
    for (const e of events) {
      const importId = e.metadata?.import?.id;
      if (!importId || !e.streamId.startsWith('user-')) continue;
      const userId = e.streamId.slice('user-'.length);
      pairs.set(`${importId}\u0000${userId}`, [importId, userId]);
    }
    if (pairs.size === 0) return;
    const rows = [...pairs.values()];
    await db.raw('insert into ?? (import_id, user_id) select * from unnest(?::text[], ?::text[]) on conflict do nothing', [t('user_imports'), rows.map((r) => r[0]), rows.map((r) => r[1])]);
  },
};

export const USER_IMPORTS_VIEW = viewName(userImportsProjection, 'user_imports');
