import type { Projection } from '../../src/projections/projection';

/**
 * A small projection for projector tests: per stream, the number of events and the
 * concatenated types. `Poison` events throw, to exercise the failed-events table.
 */
export const tallyProjection: Projection = {
  name: 'tally',
  version: 1,
  tables: ['tally'],
  async setup(db, t) {
    await db.schema.createTable(t('tally'), (table) => {
      table.text('stream_id').primary();
      table.integer('events').notNullable();
      table.text('types').notNullable();
      table.bigInteger('last_revision').notNullable();
    });
  },
  async apply(db, events, t) {
    for (const e of events) {
      if (e.type === 'Poison') throw new Error(`cannot apply ${e.type}`);
      // Idempotent per event: a revision already applied changes nothing.
      await db.raw(
        `insert into ?? as t (stream_id, events, types, last_revision) values (?, 1, ?, ?)
         on conflict (stream_id) do update set events = t.events + 1, types = t.types || ',' || excluded.types, last_revision = excluded.last_revision
         where t.last_revision < excluded.last_revision`,
        [t('tally'), e.streamId, e.type, e.revision],
      );
    }
  },
};
