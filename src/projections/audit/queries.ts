import type { Knex } from 'knex';
import { queryError } from '../../domain/errors';
import { viewName } from '../projection';
import { clampPageSize, decodeToken, encodeToken } from '../support';
import { entryHash, GENESIS_HASH, type AuditEntry } from './entry';
import { auditProjection, fromRow } from './projection';

/** The view queries read (the live generation). */
export const AUDIT_VIEW = viewName(auditProjection, 'audit_log');

export interface AuditFilter {
  readonly user_id?: string;
  readonly org_code?: string;
  /** Exact (`user.created`) or a prefix ending in `.` or `*` (`user.`, `user.*`). */
  readonly type?: string;
  readonly actor_id?: string;
  readonly ip?: string;
  /** ISO times; `from` inclusive, `to` exclusive. */
  readonly from?: string;
  readonly to?: string;
}

/** An entry as the API answers it (the chain fields stay inside). */
export interface AuditLogItem {
  readonly id: string;
  readonly type: string;
  readonly occurred_on: string;
  readonly actor: { readonly type: string; readonly id: string | null };
  readonly source: string;
  readonly user_id: string | null;
  readonly email: string | null;
  readonly org_codes: readonly string[];
  readonly ip: string | null;
  readonly user_agent: string | null;
  readonly location: string | null;
  readonly details: Record<string, unknown>;
}

export function toItem(e: AuditEntry): AuditLogItem {
  return {
    id: e.id,
    type: e.type,
    occurred_on: e.occurred_on,
    actor: e.actor,
    source: e.source,
    user_id: e.user_id,
    email: e.email,
    org_codes: e.org_codes,
    ip: e.ip,
    user_agent: e.user_agent,
    location: e.location,
    details: e.details,
  };
}

const badFilter = (message: string) => queryError('invalid', 'INVALID_REQUEST', message);

function isoOrThrow(name: string, v: string): string {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw badFilter(`${name} must be an ISO 8601 time`);
  return d.toISOString();
}

function filtered(knex: Knex, f: AuditFilter) {
  const q = knex(AUDIT_VIEW);
  if (f.user_id) q.where('user_id', f.user_id);
  if (f.org_code) q.whereRaw('org_codes @> array[?]::text[]', [f.org_code]);
  if (f.type) {
    const prefix = f.type.endsWith('*') ? f.type.slice(0, -1) : f.type.endsWith('.') ? f.type : undefined;
    if (prefix !== undefined) q.whereRaw("type like ? escape '\\'", [`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
    else q.where('type', f.type);
  }
  if (f.actor_id) q.where('actor_id', f.actor_id);
  if (f.ip) q.where('ip', f.ip);
  if (f.from) q.where('occurred_on', '>=', isoOrThrow('from', f.from));
  if (f.to) q.where('occurred_on', '<', isoOrThrow('to', f.to));
  return q;
}

/** `GET /api/v1/audit_log`: newest first, keyset pagination on the chain sequence. */
export async function listAuditLog(knex: Knex, filter: AuditFilter & { page_size?: number | string; next_token?: string }): Promise<{ audit_log: AuditLogItem[]; next_token: string | null }> {
  const size = clampPageSize(filter.page_size, 50, 500);
  const after = decodeToken(filter.next_token, 1);
  const q = filtered(knex, filter)
    .select('*')
    .orderBy('seq', 'desc')
    .limit(size + 1);
  if (after) q.where('seq', '<', Number(after[0]));
  const rows = (await q).map(fromRow);
  const page = rows.slice(0, size);
  return {
    audit_log: page.map(toItem),
    next_token: rows.length > size ? encodeToken([page[page.length - 1]!.seq]) : null,
  };
}

/** Every matching entry, oldest first, read in pages so memory stays flat. */
export async function* streamAuditLog(knex: Knex, filter: AuditFilter, chunk = 1000): AsyncIterable<AuditLogItem> {
  let after = 0;
  for (;;) {
    const rows = (await filtered(knex, filter).select('*').where('seq', '>', after).orderBy('seq', 'asc').limit(chunk)).map(fromRow);
    for (const r of rows) yield toItem(r);
    if (rows.length < chunk) return;
    after = rows[rows.length - 1]!.seq;
  }
}

export async function* exportNdjson(knex: Knex, filter: AuditFilter): AsyncIterable<string> {
  for await (const item of streamAuditLog(knex, filter)) yield `${JSON.stringify(item)}\n`;
}

export const CSV_COLUMNS = ['id', 'type', 'occurred_on', 'actor_type', 'actor_id', 'source', 'user_id', 'email', 'org_codes', 'ip', 'user_agent', 'location', 'details'] as const;

/**
 * One CSV cell: a value a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
 * tab, carriage return first) gets a leading `'`; then RFC 4180 quoting.
 */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function* exportCsv(knex: Knex, filter: AuditFilter): AsyncIterable<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const i of streamAuditLog(knex, filter)) {
    const cells = [i.id, i.type, i.occurred_on, i.actor.type, i.actor.id, i.source, i.user_id, i.email, i.org_codes.join(' '), i.ip, i.user_agent, i.location, i.details];
    yield `${cells.map(csvCell).join(',')}\r\n`;
  }
}

// ---- tamper evidence -------------------------------------------------------------

export type AuditVerification = { ok: true; entries: number } | { ok: false; first_bad_id: string; entries_checked: number; reason: string };

/**
 * Recomputes the chain from the first entry: each entry's prev_hash must be the
 * previous entry's hash, its seq the next number, and its hash must match its
 * content. Names the first entry that does not.
 */
export async function verifyAuditChain(knex: Knex, options: { chunk?: number; table?: string } = {}): Promise<AuditVerification> {
  const table = options.table ?? AUDIT_VIEW;
  const chunk = options.chunk ?? 5000;
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  for (;;) {
    const rows = await knex(table).select('*').where('seq', '>=', expectedSeq).orderBy('seq', 'asc').limit(chunk);
    for (const raw of rows) {
      const e = fromRow(raw as Record<string, unknown>);
      const bad = (reason: string): AuditVerification => ({ ok: false, first_bad_id: e.id, entries_checked: checked, reason });
      if (e.seq !== expectedSeq) return bad(`sequence gap: expected ${expectedSeq}, found ${e.seq}`);
      if (e.prev_hash !== prev) return bad('prev_hash does not match the previous entry');
      const { hash, ...rest } = e;
      if (entryHash(rest) !== hash) return bad('hash does not match the entry');
      prev = hash;
      expectedSeq++;
      checked++;
    }
    if (rows.length < chunk) return { ok: true, entries: checked };
  }
}

// ---- per-user activity -------------------------------------------------------------

export interface SignInMethodStats {
  readonly method: string | null;
  readonly identity_type: string | null;
  readonly identity: string | null;
  readonly succeeded: number;
  readonly failed: number;
  readonly last_signed_in: string | null;
}

export interface UserActivity {
  readonly user_id: string;
  readonly summary: {
    readonly total_sign_ins: number;
    readonly failed_sign_ins: number;
    readonly last_signed_in: string | null;
    readonly terms_accepted_on: string | null;
    readonly privacy_accepted_on: string | null;
    readonly sign_in_methods: readonly SignInMethodStats[];
  };
  readonly activity: readonly (AuditLogItem & { readonly description: string })[];
  readonly next_token: string | null;
}

const POLICY_LABEL: Record<string, string> = { terms: 'Terms of use', privacy: 'Privacy policy' };

/** A detail value as text: strings as they are, anything else as its JSON. */
const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** A one-line description of an entry, as the docs' user activity log shows it. */
export function describeEntry(e: AuditLogItem): string {
  const d = e.details;
  switch (e.type) {
    case 'user.policy_accepted': {
      const label = POLICY_LABEL[String(d.policy)] ?? String(d.policy);
      return `${label} accepted on ${text(d.acceptedAt ?? e.occurred_on)}`;
    }
    case 'user.imported': {
      const imp = (d.import ?? {}) as { id?: string; file_name?: string; lines?: number[] };
      const lines = imp.lines?.length ? ` line${imp.lines.length > 1 ? 's' : ''} ${imp.lines.join(', ')}` : '';
      return `Imported by job ${imp.id ?? 'unknown'}${imp.file_name ? ` from ${imp.file_name}` : ''}${lines}`;
    }
    case 'user.signed_in':
      return `Signed in with ${text(d.identityType ?? d.method ?? 'unknown method')}${d.identity ? ` (${text(d.identity)})` : ''}`;
    case 'user.sign_in_failed':
      return `Sign-in failed: ${text(d.reason ?? 'unknown reason')}`;
    default:
      return e.type.replace(/[._]/g, ' ').replace(/^./, (c) => c.toUpperCase());
  }
}

/** `GET /api/v1/users/{user_id}/activity`: the user's entries (newest first) and a summary. */
export async function userActivity(knex: Knex, userId: string, page: { page_size?: number | string; next_token?: string } = {}): Promise<UserActivity> {
  const list = await listAuditLog(knex, { user_id: userId, ...page });
  const stats = await knex.raw<{ rows: { method: string | null; identity_type: string | null; identity: string | null; succeeded: number; failed: number; last_signed_in: Date | null }[] }>(
    `select details->>'method' as method, details->>'identityType' as identity_type, details->>'identity' as identity,
            count(*) filter (where type = 'user.signed_in')::int as succeeded,
            count(*) filter (where type = 'user.sign_in_failed')::int as failed,
            max(occurred_on) filter (where type = 'user.signed_in') as last_signed_in
       from ?? where user_id = ? and type in ('user.signed_in', 'user.sign_in_failed')
      group by 1, 2, 3 order by 4 desc, 1`,
    [AUDIT_VIEW, userId],
  );
  const policies = await knex.raw<{ rows: { policy: string; accepted_on: string }[] }>(
    `select distinct on (details->>'policy') details->>'policy' as policy, coalesce(details->>'acceptedAt', occurred_on::text) as accepted_on
       from ?? where user_id = ? and type = 'user.policy_accepted' order by details->>'policy', seq desc`,
    [AUDIT_VIEW, userId],
  );
  const accepted = (p: string) => {
    const r = policies.rows.find((x) => x.policy === p);
    return r ? new Date(r.accepted_on).toISOString() : null;
  };
  const methods = stats.rows.map((r) => ({ ...r, last_signed_in: r.last_signed_in ? new Date(r.last_signed_in).toISOString() : null }));
  const last =
    methods
      .map((m) => m.last_signed_in)
      .filter((x): x is string => x !== null)
      .sort()
      .pop() ?? null;
  return {
    user_id: userId,
    summary: {
      total_sign_ins: methods.reduce((n, m) => n + m.succeeded, 0),
      failed_sign_ins: methods.reduce((n, m) => n + m.failed, 0),
      last_signed_in: last,
      terms_accepted_on: accepted('terms'),
      privacy_accepted_on: accepted('privacy'),
      sign_in_methods: methods,
    },
    activity: list.audit_log.map((e) => ({ ...e, description: describeEntry(e) })),
    next_token: list.next_token,
  };
}
