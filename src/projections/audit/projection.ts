import type { Knex } from 'knex';
import { createAuditActorIpIndexes } from '../../db/audit-indexes';
import { addIdentities, deleteIdentity, makeIdentityPrimary, primaryOfType, type PrimaryFlag } from '../../domain/user/identity-list';
import type { RecordedEvent } from '../../eventstore/types';
import type { Projection, TableNames } from '../projection';
import { quote } from '../copy';
import { insertRows, prepared, upsertRows } from '../support';
import { auditType, describeEvent, entryHash, GENESIS_HASH, type AuditEntry } from './entry';

/**
 * The audit log: one entry per event — an imported user included
 * (`user.imported`, with the job, file name, checksum and lines), so an auditor
 * sees when and how each user arrived — append-only and hash-chained. The
 * entries of a batch are written with one multi-row insert.
 *
 * - The physical table refuses UPDATE, DELETE and TRUNCATE with a trigger. A
 *   rebuild drops a whole generation table, which is neither.
 * - `seq` orders the chain; each entry's hash covers the previous entry's hash.
 * - `audit_user_emails` keeps each user's current email so that an entry records
 *   the email the user had at the time of the event.
 * - Idempotent: entries whose event id is already in the table are skipped.
 */
interface AuditIdentity {
  id: string;
  type: string;
  identity: string;
  is_primary: boolean;
}

interface EmailState {
  user_id: string;
  last_revision: number;
  identities: AuditIdentity[];
}

/** The identity rules are the domain's (identity-list.ts); this stored shape spells the flag `is_primary`. */
const FLAG: PrimaryFlag<AuditIdentity> = { isPrimary: (i) => i.is_primary, withPrimary: (i, is_primary) => ({ ...i, is_primary }) };

function emailOf(s: EmailState | undefined): string | null {
  if (!s) return null;
  return primaryOfType(s.identities, 'email', FLAG) ?? null;
}

type Ident = { id: string; type: string; identity: string; isPrimary: boolean };
const toIdent = (i: Ident) => ({ id: i.id, type: i.type, identity: i.identity, is_primary: i.isPrimary });

/** Folds the identity-changing user events into the small email state. */
function evolveEmails(s: EmailState, e: RecordedEvent): EmailState {
  const d = e.data as Record<string, unknown>;
  const add = (list: Ident[]) => addIdentities(s.identities, list.map(toIdent), FLAG);
  switch (e.type) {
    case 'UserCreated':
    case 'UserSignedUp':
      return { ...s, identities: ((d.identities as Ident[]) ?? []).map(toIdent) };
    case 'UserImported':
      return { ...s, identities: add((d.identities as Ident[]) ?? []) };
    case 'IdentityAdded':
      return { ...s, identities: add([d.identity as Ident]) };
    case 'IdentityDeleted':
      return { ...s, identities: deleteIdentity(s.identities, d.identityId as string, d.newPrimaryIdentityId as string | undefined, FLAG) };
    case 'IdentityMadePrimary':
      return { ...s, identities: makeIdentityPrimary(s.identities, d.identityId as string, FLAG) };
    default:
      return s;
  }
}

export const auditProjection: Projection = {
  name: 'audit_log',
  version: 1,
  // The histories (audit log, role grants) share a lane beside the users read model's.
  lane: 'history',
  tables: ['audit_log', 'audit_user_emails'],
  async setup(db, t) {
    const log = t('audit_log');
    await db.raw(
      `
        create table ?? (
          seq bigint primary key,
          id uuid not null unique,
          type text not null,
          occurred_on timestamptz not null,
          actor_type text not null,
          actor_id text,
          source text not null,
          user_id text,
          email text,
          org_codes text[] not null,
          ip text,
          user_agent text,
          location text,
          details jsonb not null,
          prev_hash text not null,
          hash text not null
        )`,
      [log],
    );
    // Append-only at the database level.
    await db.raw(`
        create or replace function roster_audit_append_only() returns trigger language plpgsql as $$
        begin
          raise exception 'audit log is append-only: % refused on %', tg_op, tg_table_name using errcode = 'insufficient_privilege';
        end $$`);
    await db.raw('create trigger ?? before update or delete on ?? for each row execute function roster_audit_append_only()', [`${log}_no_change`, log]);
    await db.raw('create trigger ?? before truncate on ?? for each statement execute function roster_audit_append_only()', [`${log}_no_truncate`, log]);
    await db.raw(`create table ?? (user_id text primary key, last_revision bigint not null, identities jsonb not null)`, [t('audit_user_emails')]);
  },
  async indexes(db, t) {
    const log = t('audit_log');
    for (const [suffix, cols] of [
      ['user', '(user_id, seq)'],
      ['type', '(type text_pattern_ops, seq)'],
      ['time', '(occurred_on)'],
    ] as const) {
      await db.raw(`create index ?? on ?? ${cols}`, [`${log}_${suffix}_idx`, log]);
    }
    await createAuditActorIpIndexes(db, log);
    await db.raw('create index ?? on ?? using gin (org_codes)', [`${log}_orgs_idx`, log]);
  },
  async apply(db, events, t) {
    await applyAudit(db, events, t);
  },
};

async function applyAudit(db: Knex.Transaction, events: readonly RecordedEvent[], t: TableNames) {
  const log = t('audit_log');
  const userIds = new Set<string>();
  for (const e of events) {
    const d = e.data as { userId?: unknown } | null;
    if (e.streamId.startsWith('user-')) userIds.add(e.streamId.slice(5));
    else if (d && typeof d.userId === 'string') userIds.add(d.userId);
  }
  // 1. In one statement: what is already there (a replay), the users' email
  //    states, and the chain's tail.
  const {
    rows: [found],
  } = await prepared<{ rows: [{ done: string[]; emails: EmailState[] | null; tail: { seq: number | string; hash: string } | null }] }>(
    db,
    `select array(select id::text from ${quote(log)} where id = any(?::uuid[])) as done,
            (select json_agg(json_build_object('user_id', user_id, 'last_revision', last_revision, 'identities', identities)) from ${quote(t('audit_user_emails'))} where user_id = any(?)) as emails,
            (select json_build_object('seq', seq, 'hash', hash) from ${quote(log)} order by seq desc limit 1) as tail`,
    [events.map((e) => e.id), [...userIds]],
  );
  const done = new Set(found.done);
  const emails = new Map<string, EmailState>();
  for (const r of found.emails ?? []) emails.set(r.user_id, r);
  const knownEmails = new Set(emails.keys());
  const changedEmails = new Set<string>();
  const tail = found.tail;
  let seq = tail ? Number(tail.seq) : 0;
  let prev = tail?.hash ?? GENESIS_HASH;
  const rows: Record<string, unknown>[] = [];
  for (const e of events) {
    // The email state first, so the entry records the email as it is after this event
    // (or before it, when the event removed it).
    const userId = e.streamId.startsWith('user-') ? e.streamId.slice(5) : null;
    let before: string | null = null;
    if (userId) {
      const s = emails.get(userId) ?? { user_id: userId, last_revision: -1, identities: [] };
      before = emailOf(s);
      if (e.revision > s.last_revision) {
        emails.set(userId, { ...evolveEmails(s, e), last_revision: e.revision });
        changedEmails.add(userId);
      }
    }
    if (done.has(e.id)) continue;
    const type = auditType(e);
    if (type === null) continue;
    const described = describeEvent(e, type);
    const email = described.user_id ? (emailOf(emails.get(described.user_id)) ?? before) : null;
    const entry: Omit<AuditEntry, 'hash'> = { seq: ++seq, ...described, email, prev_hash: prev };
    const hash = entryHash(entry);
    prev = hash;
    rows.push(toRow({ ...entry, hash }));
  }
  await insertRows(db, log, rows);
  if (changedEmails.size > 0) {
    await upsertRows(
      db,
      t('audit_user_emails'),
      [...changedEmails].map((id) => emails.get(id)!),
      'user_id',
      knownEmails,
    );
  }
}

function toRow(e: AuditEntry): Record<string, unknown> {
  return {
    seq: e.seq,
    id: e.id,
    type: e.type,
    occurred_on: e.occurred_on,
    actor_type: e.actor.type,
    actor_id: e.actor.id,
    source: e.source,
    user_id: e.user_id,
    email: e.email,
    org_codes: e.org_codes,
    ip: e.ip,
    user_agent: e.user_agent,
    location: e.location,
    details: e.details,
    prev_hash: e.prev_hash,
    hash: e.hash,
  };
}

/** A stored row back to the entry (for queries and chain verification). */
export function fromRow(r: Record<string, unknown>): AuditEntry {
  const occurred = r.occurred_on instanceof Date ? r.occurred_on.toISOString() : new Date(String(r.occurred_on)).toISOString();
  return {
    seq: Number(r.seq),
    id: String(r.id),
    type: String(r.type),
    occurred_on: occurred,
    actor: { type: String(r.actor_type), id: (r.actor_id as string | null) ?? null },
    source: String(r.source),
    user_id: (r.user_id as string | null) ?? null,
    email: (r.email as string | null) ?? null,
    org_codes: (r.org_codes as string[]) ?? [],
    ip: (r.ip as string | null) ?? null,
    user_agent: (r.user_agent as string | null) ?? null,
    location: (r.location as string | null) ?? null,
    details: (r.details as Record<string, unknown>) ?? {},
    prev_hash: String(r.prev_hash),
    hash: String(r.hash),
  };
}
