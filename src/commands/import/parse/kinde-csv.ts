import { checkBoolean, checkEmail, checkPhone, checkUsername, splitList } from './fields';
import { newDraft, type IssueDraft, type RowDraft } from './assemble';
import type { FileIssue } from './issues';
import { checkPasswordFields, type PasswordHashCheck } from './password-fields';
import type { ImportOrganizationAccess, RawRow } from './types';

/**
 * Kinde CSV columns, as the docs list them. `provided_id`, `role_key` and
 * `permission_key` are the docs' other names for `id`, `roles` and `permissions`.
 */
export const CSV_COLUMNS = [
  'email',
  'phone',
  'id',
  'first_name',
  'last_name',
  'username',
  'email_verified',
  'phone_verified',
  'password_verified',
  'roles',
  'permissions',
  'external_organization_id',
  'hashed_password',
  'hashing_method',
  'salt',
  'salt_position',
  'salt_format',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

const ALIASES: ReadonlyMap<string, CsvColumn> = new Map<string, CsvColumn>([
  ...CSV_COLUMNS.map((c) => [c, c] as const),
  ['provided_id', 'id'],
  ['role_key', 'roles'],
  ['permission_key', 'permissions'],
]);

/** Columns an access-only file (`id,roles,permissions,external_organization_id`) uses. */
const ACCESS_COLUMNS: ReadonlySet<CsvColumn> = new Set(['id', 'roles', 'permissions', 'external_organization_id']);

export interface CsvHeader {
  /** The header as written. */
  readonly columns: readonly string[];
  /** Position → canonical column, or null for an unknown / unused column (never used as a key). */
  readonly map: readonly (CsvColumn | null)[];
  /** Canonical column → position (-1 when absent); a Map, so file text never becomes an object key. */
  readonly index: ReadonlyMap<CsvColumn, number>;
  readonly kind: 'users' | 'access';
  readonly errors: FileIssue[];
  readonly warnings: FileIssue[];
}

function fileIssue(code: FileIssue['code'], field: string | null, message: string, line = 1): FileIssue {
  const severity = code === 'UNKNOWN_COLUMN' ? 'warning' : 'error';
  return { line, severity, code, field, message, user_key: null };
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}

export function analyzeCsvHeader(columns: readonly string[]): CsvHeader {
  const errors: FileIssue[] = [];
  const warnings: FileIssue[] = [];
  const map: (CsvColumn | null)[] = [];
  const seen = new Set<CsvColumn>();
  for (const [position, raw] of columns.entries()) {
    const name = raw.trim().toLowerCase();
    const col = ALIASES.get(name) ?? null;
    if (col === null && name === '') {
      warnings.push(fileIssue('UNKNOWN_COLUMN', null, `Column ${position + 1} has no name; its values are ignored.`));
    } else if (col === null) {
      warnings.push(fileIssue('UNKNOWN_COLUMN', clip(raw), `Column "${clip(raw)}" is not a Kinde import column; its values are ignored.`));
    } else if (seen.has(col)) {
      errors.push(fileIssue('UNSUPPORTED_FORMAT', clip(raw), `Column "${col}" appears more than once in the header (aliases included).`));
    }
    seen.add(col as CsvColumn);
    map.push(col);
  }
  const hasContact = seen.has('email') || seen.has('phone');
  const hasAccess = seen.has('roles') || seen.has('permissions') || seen.has('external_organization_id');
  let kind: 'users' | 'access' = 'users';
  if (!hasContact) {
    if (seen.has('id') && hasAccess) {
      kind = 'access';
      map.forEach((col, i) => {
        if (col !== null && !ACCESS_COLUMNS.has(col)) {
          warnings.push(fileIssue('UNKNOWN_COLUMN', col, `Column "${col}" is not used in an access-only file (id, roles, permissions, external_organization_id); its values are ignored.`));
          map[i] = null;
        }
      });
    } else {
      errors.push(
        fileIssue(
          'MISSING_REQUIRED_COLUMN',
          'email',
          'The header needs an email or a phone column ("email or phone - minimum required identity information"); ' +
            'an access-only file needs id and roles, permissions or external_organization_id.',
        ),
      );
    }
  }
  const index = new Map<CsvColumn, number>(CSV_COLUMNS.map((c) => [c, map.indexOf(c)]));
  return { columns, map, index, kind, errors, warnings };
}

/** Maps one CSV record to a draft. `fields` has as many values as the header has columns. */
export function mapCsvRow(header: CsvHeader, line: number, raw: RawRow, fields: readonly string[], checkHash: PasswordHashCheck | undefined): RowDraft {
  // Hot path: no per-row closures (tsx's keepNames makes each one cost a
  // defineProperty), no Map lookups per cell, each cell trimmed once.
  const at = positionsOf(header);
  const d = newDraft(header.kind === 'access' ? 'access' : 'user', line, raw);
  const id = cell(fields, at, COL_ID).trim();
  if (id !== '') d.providedId = id;
  d.organizations = organizationsOf(cell(fields, at, COL_ORGS), cell(fields, at, COL_ROLES), cell(fields, at, COL_PERMISSIONS), d.warnings);

  if (header.kind === 'access') {
    if (id === '') d.errors.push({ code: 'MISSING_IDENTITY', field: 'id', message: 'An access-only row needs the id of a user already imported.' });
    return d;
  }

  const emailVerified = booleanCell(cell(fields, at, COL_EMAIL_VERIFIED), 'email_verified', d);
  const phoneVerified = booleanCell(cell(fields, at, COL_PHONE_VERIFIED), 'phone_verified', d);
  const passwordVerified = booleanCell(cell(fields, at, COL_PASSWORD_VERIFIED), 'password_verified', d);
  if (passwordVerified !== undefined) d.passwordVerified = passwordVerified;

  const email = cell(fields, at, COL_EMAIL).trim();
  const phone = cell(fields, at, COL_PHONE).trim();
  if (email === '' && phone === '') {
    d.errors.push({ code: 'MISSING_IDENTITY', field: 'email', message: 'The row needs an email or a phone number.' });
  }
  if (email !== '') {
    const e = checkEmail(email);
    if (!e.ok) d.errors.push({ code: 'INVALID_EMAIL', field: 'email', message: `The email ${e.reason}.` });
    else if (emailVerified === undefined) d.identities.push({ type: 'email', identity: e.value, display: email });
    else d.identities.push({ type: 'email', identity: e.value, display: email, isVerified: emailVerified });
  }
  if (phone !== '') {
    const p = checkPhone(phone);
    if (!p.ok) d.errors.push({ code: 'INVALID_PHONE', field: 'phone', message: `The phone number ${p.reason}.` });
    else if (phoneVerified === undefined) d.identities.push({ type: 'phone', identity: p.value, display: p.value });
    else d.identities.push({ type: 'phone', identity: p.value, display: p.value, isVerified: phoneVerified });
  }
  const username = cell(fields, at, COL_USERNAME);
  if (username !== '' && username.trim() !== '') {
    const u = checkUsername(username);
    if (u.ok) d.identities.push({ type: 'username', identity: u.value.toLowerCase(), display: u.value });
    else d.errors.push({ code: 'INVALID_FIELD', field: 'username', message: `The username ${u.reason}.` });
  }
  const first = cell(fields, at, COL_FIRST_NAME).trim();
  const last = cell(fields, at, COL_LAST_NAME).trim();
  if (first !== '') d.firstName = first;
  if (last !== '') d.lastName = last;

  const hashedPassword = cell(fields, at, COL_HASHED_PASSWORD);
  const hashingMethod = cell(fields, at, COL_HASHING_METHOD);
  const salt = cell(fields, at, COL_SALT);
  const saltPosition = cell(fields, at, COL_SALT_POSITION);
  const saltFormat = cell(fields, at, COL_SALT_FORMAT);
  if (hashedPassword !== '' || hashingMethod !== '' || salt !== '' || saltPosition !== '' || saltFormat !== '') {
    const pw = checkPasswordFields({ hashedPassword, hashingMethod, salt, saltPosition, saltFormat }, checkHash);
    if (pw.kind === 'ok') d.password = pw.password;
    else if (pw.kind === 'not_imported') {
      d.warnings.push({ code: 'PASSWORD_NOT_IMPORTED', field: pw.field, message: `Password not imported: ${pw.reason}. The user is imported and must reset their password.` });
    }
  }
  return d;
}

// Positions in CSV_COLUMNS (the order of positionsOf's array).
const COL_EMAIL = 0;
const COL_PHONE = 1;
const COL_ID = 2;
const COL_FIRST_NAME = 3;
const COL_LAST_NAME = 4;
const COL_USERNAME = 5;
const COL_EMAIL_VERIFIED = 6;
const COL_PHONE_VERIFIED = 7;
const COL_PASSWORD_VERIFIED = 8;
const COL_ROLES = 9;
const COL_PERMISSIONS = 10;
const COL_ORGS = 11;
const COL_HASHED_PASSWORD = 12;
const COL_HASHING_METHOD = 13;
const COL_SALT = 14;
const COL_SALT_POSITION = 15;
const COL_SALT_FORMAT = 16;

const POSITIONS = new WeakMap<CsvHeader, Int32Array>();

/** Canonical column (by its place in CSV_COLUMNS) → field position, -1 when absent; once per header. */
function positionsOf(header: CsvHeader): Int32Array {
  let at = POSITIONS.get(header);
  if (at === undefined) {
    at = Int32Array.from(CSV_COLUMNS, (c) => header.index.get(c) ?? -1);
    POSITIONS.set(header, at);
  }
  return at;
}

function cell(fields: readonly string[], at: Int32Array, col: number): string {
  const i = at[col]!;
  return i < 0 ? '' : (fields[i] ?? '');
}

function booleanCell(value: string, col: CsvColumn, d: RowDraft): boolean | undefined {
  // The usual spellings without checkBoolean's trim, lowercase and result object.
  if (value === '') return undefined;
  if (value === 'true' || value === 'TRUE') return true;
  if (value === 'false' || value === 'FALSE') return false;
  const v = checkBoolean(value);
  if (v.ok) return v.value;
  d.errors.push({ code: 'INVALID_FIELD', field: col, message: `${col} ${v.reason}.` });
  return undefined;
}

/**
 * `external_organization_id` is a comma-separated list; the row's roles and
 * permissions apply in each of its organizations (the docs' example gives
 * "role_3" with "ext_org_id_2,ext_org_id_3"). Roles or permissions without an
 * organization go to the default organization, with a warning.
 */
function organizationsOf(orgs: string, roles: string, permissions: string, warnings: IssueDraft[]): ImportOrganizationAccess[] {
  const ids = splitList(orgs);
  const r = splitList(roles);
  const p = splitList(permissions);
  if (ids.length === 0) {
    if (r.length === 0 && p.length === 0) return [];
    warnings.push({
      code: 'DEFAULT_ORGANIZATION_USED',
      field: 'external_organization_id',
      message: 'Roles or permissions are given without an external_organization_id: they are applied in the default organization.',
    });
    return [{ externalId: null, roles: r, permissions: p, scopes: [] }];
  }
  return ids.map((externalId) => ({ externalId, roles: r, permissions: p, scopes: [] }));
}
