import { newDraft, type RowDraft } from './assemble';
import { namedDialect, type CsvDialect } from './csv-dialect';
import { addEmail, addPhone, requireIdentity, splitFullName, str, suspendAtSource } from './draft-helpers';
import { checkPasswordFields, type PasswordHashCheck } from './password-fields';
import { isPlainObject, parseJsonSafely } from './safe-json';
import type { RawRow } from './types';

/**
 * Supabase `auth.users` rows, exported as CSV (the SQL editor's "Download CSV",
 * `\copy auth.users to … csv header`) or JSON (an array of rows, or NDJSON).
 * Timestamps are non-null when the email / phone is confirmed; phones are bare
 * digits with the country code; passwords are bcrypt (`$2a$10$…`).
 */
const READ = ['id', 'email', 'encrypted_password', 'email_confirmed_at', 'confirmed_at', 'phone', 'phone_confirmed_at', 'raw_user_meta_data', 'banned_until'] as const;
/** auth.users columns that are known and deliberately not imported (see README). */
const DROPPED = [
  'instance_id',
  'aud',
  'role',
  'invited_at',
  'confirmation_token',
  'confirmation_sent_at',
  'recovery_token',
  'recovery_sent_at',
  'email_change_token_new',
  'email_change',
  'email_change_sent_at',
  'last_sign_in_at',
  'raw_app_meta_data',
  'is_super_admin',
  'created_at',
  'updated_at',
  'phone_change',
  'phone_change_token',
  'phone_change_sent_at',
  'email_change_token_current',
  'email_change_confirm_status',
  'reauthentication_token',
  'reauthentication_sent_at',
  'is_sso_user',
  'deleted_at',
  'is_anonymous',
] as const;
const KNOWN: ReadonlySet<string> = new Set([...READ, ...DROPPED]);

type Get = (name: string) => unknown;

function metadata(v: unknown): Record<string, unknown> {
  if (isPlainObject(v)) return v;
  if (typeof v !== 'string' || v.trim() === '') return {};
  try {
    const parsed = parseJsonSafely(v);
    return isPlainObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function text(v: unknown): string | undefined {
  if (typeof v === 'number') return String(v);
  return str(v);
}

/**
 * A Postgres timestamptz as text — `2125-01-01 00:00:00.123456+00` (CSV), ISO 8601
 * (JSON), `infinity` — as epoch milliseconds; undefined when it is none of these.
 * A value without a zone is UTC (auth.users stores UTC).
 */
export function postgresTimestampMs(value: string): number | undefined {
  const t = value.trim().toLowerCase();
  if (t === 'infinity') return Number.POSITIVE_INFINITY;
  if (t === '-infinity') return Number.NEGATIVE_INFINITY;
  const m = /^(\d{4}-\d{2}-\d{2})[ t](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(z|[+-]\d{2}(?::?\d{2})?)?$/.exec(t);
  if (!m) return undefined;
  const time = m[2]!.replace(/(\.\d{3})\d+$/, '$1'); // Date reads milliseconds; Postgres writes microseconds
  const z = m[3];
  const zone = z === undefined || z === 'z' ? 'Z' : z.length === 3 ? `${z}:00` : z.includes(':') ? z : `${z.slice(0, 3)}:${z.slice(3)}`;
  const ms = Date.parse(`${m[1]}T${time}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `banned_until` after the import's clock: banned (a past value is a ban that has ended). */
function checkBan(d: RowDraft, value: string | undefined, nowMs: number): void {
  if (value === undefined) return;
  const until = postgresTimestampMs(value);
  if (until === undefined) {
    d.errors.push({ code: 'INVALID_FIELD', field: 'banned_until', message: 'banned_until is not a timestamp (expected e.g. 2125-01-01 00:00:00+00).' });
    return;
  }
  if (until <= nowMs) return;
  suspendAtSource(d, 'banned_until', until === Number.POSITIVE_INFINITY ? 'banned in Supabase (no end)' : `banned in Supabase until ${new Date(until).toISOString()}`);
}

function mapSupabase(get: Get, line: number, raw: RawRow, checkHash: PasswordHashCheck | undefined, nowMs: number): RowDraft {
  const d = newDraft('user', line, raw);
  const id = text(get('id'));
  if (id) d.providedId = id.trim();
  if (get('deleted_at') != null && text(get('deleted_at'))) {
    d.errors.push({ code: 'INVALID_FIELD', field: 'deleted_at', message: 'The Supabase user is soft-deleted (deleted_at is set); it is not imported.' });
    return d;
  }
  checkBan(d, text(get('banned_until')), nowMs);
  const emailConfirmed = text(get('email_confirmed_at')) ?? text(get('confirmed_at'));
  addEmail(d, text(get('email')), 'email', emailConfirmed !== undefined);
  addPhone(d, text(get('phone')), 'phone', text(get('phone_confirmed_at')) !== undefined, true);

  const meta = metadata(get('raw_user_meta_data'));
  const given = str(meta.first_name) ?? str(meta.given_name);
  const family = str(meta.last_name) ?? str(meta.family_name);
  if (given) d.firstName = given.trim();
  if (family) d.lastName = family.trim();
  splitFullName(d, str(meta.full_name) ?? str(meta.name));
  const picture = str(meta.avatar_url) ?? str(meta.picture);
  if (picture) d.picture = picture;

  const hash = text(get('encrypted_password'));
  if (hash) {
    const pw = checkPasswordFields({ hashedPassword: hash, hashingMethod: 'bcrypt' }, checkHash);
    if (pw.kind === 'ok') d.password = pw.password;
    else if (pw.kind === 'not_imported')
      d.warnings.push({ code: 'PASSWORD_NOT_IMPORTED', field: 'encrypted_password', message: `Password not imported: ${pw.reason}. The user is imported and must reset their password.` });
  }
  requireIdentity(d, 'email', 'no email or phone (anonymous and SSO-only users have none)');
  return d;
}

/** `now`: the import's clock, for `banned_until` (default: when the dialect is made). */
export function supabaseCsvDialect(columns: readonly string[], now?: Date): CsvDialect {
  const nowMs = (now ?? new Date()).getTime();
  return namedDialect(
    'supabase',
    columns,
    KNOWN,
    {
      anyOf: ['email', 'phone'],
      message: 'A Supabase auth.users export needs the email or phone column.',
    },
    (get, line, raw, checkHash) => mapSupabase((n) => (get(n) === '' ? undefined : get(n)), line, raw, checkHash, nowMs),
  );
}

export function mapSupabaseJsonUser(value: unknown, line: number, raw: RawRow, checkHash: PasswordHashCheck | undefined, now: Date): RowDraft {
  if (!isPlainObject(value)) {
    const d = newDraft('user', line, raw);
    d.errors.push({ code: 'MALFORMED_JSON', field: null, message: 'The record is not a JSON object.' });
    return d;
  }
  return mapSupabase((n) => (Object.prototype.hasOwnProperty.call(value, n) ? value[n] : undefined), line, raw, checkHash, now.getTime());
}
