import fs from 'node:fs';
import type { Knex } from 'knex';
import { createAuditActorIpIndexes } from './audit-indexes';
import { createUserSearchIndexes, SEARCH_PENDING_LIST_KB } from './user-search';

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
  {
    name: '0003_api_clients',
    async up(knex) {
      // Machine clients (OAuth2 client credentials) and the token signing keys.
      // Secrets are stored as scrypt hashes; private keys never leave this table.
      await knex.raw(`
        create table api_clients (
          client_id text primary key,
          name text not null,
          secret_hash text not null,
          scopes text[] not null,
          created_at timestamptz not null default now(),
          revoked_at timestamptz
        );
        create table api_signing_keys (
          kid text primary key,
          private_key_pkcs8 text not null,
          public_jwk jsonb not null,
          created_at timestamptz not null default now(),
          retired_at timestamptz
        );
      `);
    },
  },
  {
    name: '0004_webhook_outbox',
    async up(knex) {
      // The webhook outbox: operational state, not a read model (a rebuild must
      // never re-send or forget a delivery). The outbox projection inserts events
      // and deliveries idempotently; the dispatcher updates deliveries and records
      // every attempt.
      await knex.raw(`
        create table webhook_events (
          event_id text primary key,
          domain_event_id uuid not null,
          type text not null,
          source text not null,
          occurred_at text not null,
          payload jsonb not null,
          ordering_key text not null,
          created_at timestamptz not null default now()
        );
        create table webhook_deliveries (
          id bigint generated always as identity primary key,
          webhook_id text not null,
          event_id text not null references webhook_events (event_id),
          ordering_key text not null,
          state text not null default 'pending',
          attempts integer not null default 0,
          next_attempt_at timestamptz not null default now(),
          first_attempt_at timestamptz,
          last_attempt_at timestamptz,
          last_status integer,
          last_error text,
          delivered_at timestamptz,
          created_at timestamptz not null default now(),
          constraint webhook_deliveries_webhook_event_key unique (webhook_id, event_id)
        );
        create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at, id) where state = 'pending';
        create index webhook_deliveries_order_idx on webhook_deliveries (webhook_id, ordering_key, id) where state = 'pending';
        create table webhook_delivery_attempts (
          id bigint generated always as identity primary key,
          delivery_id bigint not null references webhook_deliveries (id) on delete cascade,
          attempt integer not null,
          attempted_at timestamptz not null,
          outcome text not null,
          status_code integer,
          latency_ms integer not null,
          error text
        );
        create index webhook_delivery_attempts_delivery_idx on webhook_delivery_attempts (delivery_id, id);
        create table webhook_health (
          webhook_id text primary key,
          failing_since timestamptz,
          marked_failing_at timestamptz,
          last_success_at timestamptz,
          last_failure_at timestamptz
        );
      `);
    },
  },
  {
    name: '0005_webhook_delivery_heads',
    async up(knex) {
      // Only the head of each (webhook, stream) queue is due; the others wait with
      // next_attempt_at = infinity until the one before them ends. The dispatcher
      // then finds due deliveries per webhook with an index range scan, however
      // large a dead endpoint's backlog grows.
      await knex.raw(`
        create index webhook_deliveries_webhook_due_idx on webhook_deliveries (webhook_id, next_attempt_at, id) where state = 'pending';
      `);
    },
  },
  {
    name: '0006_unique_constraints_and_append_function',
    async up(knex) {
      // Unique values as rows written in the append's own transaction, replacing
      // reservation streams on PostgreSQL; existing reservations are carried over
      // (the last event of each reservation stream says whether it is held).
      await knex.raw(`
        create table unique_constraints (
          kind text not null,
          value text not null,
          owner_id text not null,
          primary key (kind, value)
        );
        insert into unique_constraints (kind, value, owner_id)
          select last.data->>'kind', last.data->>'value', last.data->>'ownerId'
          from (select distinct on (stream_id) stream_id, type, data from events
                where type in ('ReservationClaimed', 'ReservationReleased')
                order by stream_id, revision desc) last
          where last.type = 'ReservationClaimed'
          on conflict do nothing;
      `);
      await knex.raw(appendFunctionSql());
    },
  },
  {
    name: '0007_throttle_attempts',
    async up(knex) {
      // Failure throttles (sign-in, token endpoint) shared by every server process
      // and kept across restarts (src/db/throttle.ts). Operational state, not events:
      // the attempts themselves are events already; these rows only count them.
      await knex.raw(`
        create table throttle_attempts (
          scope text not null,
          key_hash text not null,
          attempt_id uuid not null,
          at_ms bigint not null,
          primary key (scope, key_hash, attempt_id)
        );
        create index throttle_attempts_key_at_idx on throttle_attempts (scope, key_hash, at_ms);
        create index throttle_attempts_attempt_idx on throttle_attempts (scope, attempt_id);
        create index throttle_attempts_at_idx on throttle_attempts (scope, at_ms);
      `);
    },
  },
  {
    name: '0008_admin_operators',
    async up(knex) {
      // The people who run Roster (the admin console), kept apart from the users
      // it manages: credentials, not domain data, like api_clients. Session ids
      // and setup tokens are stored as SHA-256 digests, never in clear.
      await knex.raw(`
        create table operators (
          id text primary key,
          email text not null,
          password jsonb not null,
          totp_secret text,
          created_at timestamptz not null default now(),
          disabled_at timestamptz,
          last_signed_in_at timestamptz
        );
        create unique index operators_email_key on operators (lower(email));
        create table operator_sessions (
          id_hash text primary key,
          operator_id text not null references operators (id),
          csrf_token text not null,
          created_at timestamptz not null default now(),
          last_seen_at timestamptz not null default now(),
          ip text,
          user_agent text
        );
        create index operator_sessions_operator_idx on operator_sessions (operator_id);
        create table operator_setup_tokens (
          token_hash text primary key,
          created_at timestamptz not null default now(),
          expires_at timestamptz not null,
          used_at timestamptz
        );
      `);
    },
  },
  {
    name: '0009_user_fragment_search',
    async up(knex) {
      // pg_trgm ships with PostgreSQL's contrib modules (the embedded server has
      // them) and is a trusted extension: no superuser needed. Where it is missing,
      // fragment search still works, without its index.
      const { rows } = await knex.raw<{ rows: unknown[] }>(`select 1 from pg_available_extensions where name = 'pg_trgm'`);
      if (rows.length > 0) {
        // In a savepoint: a role without CREATE on the database keeps the scan instead of failing the start.
        await knex.transaction((sp) => sp.raw('create extension if not exists pg_trgm')).catch(() => undefined);
      }
      // Users tables built before this migration get the new indexes too (new
      // generations get them from the projection's setup).
      const { rows: tables } = await knex.raw<{ rows: { tablename: string }[] }>(`select tablename from pg_tables where schemaname = current_schema() and tablename ~ '^users_v[0-9]+_g[0-9]+$'`);
      for (const { tablename } of tables) await createUserSearchIndexes(knex, tablename);
    },
  },
  {
    name: '0010_signing_keys_at_rest',
    async up(knex) {
      // Private keys move to private_key_encrypted (AES-256-GCM, with a key that is
      // not in the database: src/secrets). Rows still in clear are encrypted, and
      // their private_key_pkcs8 cleared, at the first start that has the key
      // (src/http/auth/keys.ts ensureSigningKeys): a migration never sees that key.
      await knex.raw(`
        alter table api_signing_keys add column private_key_encrypted text;
        alter table api_signing_keys alter column private_key_pkcs8 drop not null;
      `);
    },
  },
  {
    name: '0011_append_function_plans',
    async up(knex) {
      // roster_append forces custom plans only for bulk appends (see append.sql).
      await knex.raw(`alter function roster_append(text[], bigint[], int[], int[], uuid[], text[], jsonb[], jsonb[], int[], text[], text[], text[], text[]) reset plan_cache_mode`);
      await knex.raw(appendFunctionSql());
    },
  },
  {
    name: '0012_search_index_pending_list',
    async up(knex) {
      // The users search indexes built before get the larger pending list too (src/db/user-search.ts).
      const { rows } = await knex.raw<{ rows: { indexname: string }[] }>(`select indexname from pg_indexes where schemaname = current_schema() and indexname ~ '^users_v[0-9]+_g[0-9]+_search_idx$'`);
      for (const { indexname } of rows) await knex.raw(`alter index ?? set (gin_pending_list_limit = ${SEARCH_PENDING_LIST_KB})`, [indexname]);
    },
  },
  {
    name: '0013_append_generic_plans',
    async up(knex) {
      // roster_append uses cached generic plans for small appends (see append.sql).
      await knex.raw(appendFunctionSql());
    },
  },
  {
    name: '0014_audit_partial_actor_ip_indexes',
    async up(knex) {
      // The audit log's actor and address indexes become partial (src/db/audit-indexes.ts).
      const { rows } = await knex.raw<{ rows: { tablename: string }[] }>(`select tablename from pg_tables where schemaname = current_schema() and tablename ~ '^audit_log_v[0-9]+_g[0-9]+$'`);
      for (const { tablename } of rows) {
        await knex.raw('drop index if exists ??, ??', [`${tablename}_actor_idx`, `${tablename}_ip_idx`]);
        await createAuditActorIpIndexes(knex, tablename);
      }
    },
  },
];

/** The event store's append function (src/eventstore/sql/append.sql); `create or replace`, so re-applying is safe. */
export function appendFunctionSql(): string {
  return fs.readFileSync(new URL('../eventstore/sql/append.sql', import.meta.url), 'utf8');
}

class Source implements Knex.MigrationSource<Migration> {
  constructor(private readonly list: readonly Migration[]) {}
  getMigrations() {
    return Promise.resolve([...this.list]);
  }
  getMigrationName(m: Migration) {
    return m.name;
  }
  getMigration(m: Migration) {
    return Promise.resolve({ up: (knex: Knex) => m.up(knex), down: () => Promise.resolve() });
  }
}

/** Applies pending migrations; safe to run from several processes at once (knex takes a lock). */
export async function migrate(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource: new Source(migrations), tableName: 'schema_migrations' })) as [number, string[]];
  return applied;
}
