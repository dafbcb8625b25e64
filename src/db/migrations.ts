import type { Knex } from 'knex';

/**
 * Schema migrations, in order. Read-model tables are not here: each projection
 * creates its own versioned tables (src/projections), so that a new version can
 * be built beside the old one.
 */
export interface Migration {
  readonly name: string;
  up(knex: Knex): Promise<void>;
}

export const migrations: readonly Migration[] = [
  {
    name: '0001_event_store',
    async up(knex) {
      // transaction_id orders the global feed: readers only read below the oldest
      // running transaction (see src/eventstore/postgres.ts).
      await knex.raw(`
        create table events (
          global_position bigint generated always as identity primary key,
          transaction_id xid8 not null default pg_current_xact_id(),
          event_id uuid not null,
          stream_id text not null,
          revision bigint not null,
          type text not null,
          data jsonb not null,
          metadata jsonb not null,
          recorded_at timestamptz not null default now(),
          constraint events_event_id_key unique (event_id),
          constraint events_stream_revision_key unique (stream_id, revision)
        );
        create index events_feed_idx on events (transaction_id, global_position);
        create table streams (
          stream_id text primary key,
          revision bigint not null
        );
      `);
    },
  },
  {
    name: '0002_projections',
    async up(knex) {
      await knex.raw(`
        create table projection_checkpoints (
          name text primary key,
          position text not null,
          generation integer not null default 0,
          updated_at timestamptz not null default now()
        );
        create table projection_failed_events (
          id bigint generated always as identity primary key,
          projection text not null,
          event_id uuid not null,
          position text not null,
          event_type text not null,
          error text not null,
          failed_at timestamptz not null default now()
        );
        create index projection_failed_events_projection_idx on projection_failed_events (projection);
      `);
    },
  },
];

class Source implements Knex.MigrationSource<Migration> {
  constructor(private readonly list: readonly Migration[]) {}
  async getMigrations() {
    return [...this.list];
  }
  getMigrationName(m: Migration) {
    return m.name;
  }
  async getMigration(m: Migration) {
    return { up: m.up, down: async () => {} };
  }
}

/** Applies pending migrations; safe to run from several processes at once (knex takes a lock). */
export async function migrate(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource: new Source(migrations), tableName: 'schema_migrations' })) as [number, string[]];
  return applied;
}
