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
  'email', 'phone', 'id', 'first_name', 'last_name', 'username', 'email_verified', 'phone_verified',
  'password_verified', 'roles', 'permissions', 'external_organization_id', 'hashed_password', 'hashing_method',
  'salt', 'salt_position', 'salt_format',
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
      errors.push(fileIssue(
        'MISSING_REQUIRED_COLUMN', 'email',
        'The header needs an email or a phone column ("email or phone - minimum required identity information"); ' +
          'an access-only file needs id and roles, permissions or external_organization_id.',
      ));
    }
  }
  const index = new Map<CsvColumn, number>(CSV_COLUMNS.map((c) => [c, map.indexOf(c)]));
  return { columns, map, index, kind, errors, warnings };
}

/** Maps one CSV record to a draft. `fields` has as many values as the header has columns. */
export function mapCsvRow(
  header: CsvHeader, line: number, raw: RawRow, fields: readonly string[], checkHash: PasswordHashCheck | undefined,
): RowDraft {
  // Hot path: no per-row closures (tsx's keepNames makes each one cost a defineProperty).
  const get = cellGetter(header, fields);
  const d = newDraft(header.kind === 'access' ? 'access' : 'user', line, raw);
  const id = get('id').trim();
  if (id !== '') d.providedId = id;
  d.organizations = organizationsOf(get('external_organization_id'), get('roles'), get('permissions'), d.warnings);

  if (header.kind === 'access') {
    if (id === '') d.errors.push({ code: 'MISSING_IDENTITY', field: 'id', message: 'An access-only row needs the id of a user already imported.' });
    return d;
  }

  const emailVerified = booleanCell(get, 'email_verified', d);
  const phoneVerified = booleanCell(get, 'phone_verified', d);
  const passwordVerified = booleanCell(get, 'password_verified', d);
  if (passwordVerified !== undefined) d.passwordVerified = passwordVerified;

  const email = get('email');
  const phone = get('phone');
  if (email.trim() === '' && phone.trim() === '') {
    d.errors.push({ code: 'MISSING_IDENTITY', field: 'email', message: 'The row needs an email or a phone number.' });
  }
  if (email.trim() !== '') {
    const e = checkEmail(email);
    if (e.ok) d.identities.push({ type: 'email', identity: e.value, display: email.trim(), ...(emailVerified !== undefined ? { isVerified: emailVerified } : {}) });
    else d.errors.push({ code: 'INVALID_EMAIL', field: 'email', message: `The email ${e.reason}.` });
  }
  if (phone.trim() !== '') {
    const p = checkPhone(phone);
    if (p.ok) d.identities.push({ type: 'phone', identity: p.value, display: p.value, ...(phoneVerified !== undefined ? { isVerified: phoneVerified } : {}) });
    else d.errors.push({ code: 'INVALID_PHONE', field: 'phone', message: `The phone number ${p.reason}.` });
  }
  const username = get('username');
  if (username.trim() !== '') {
    const u = checkUsername(username);
    if (u.ok) d.identities.push({ type: 'username', identity: u.value.toLowerCase(), display: u.value });
    else d.errors.push({ code: 'INVALID_FIELD', field: 'username', message: `The username ${u.reason}.` });
  }
  const first = get('first_name').trim();
  const last = get('last_name').trim();
  if (first !== '') d.firstName = first;
  if (last !== '') d.lastName = last;

  const pw = checkPasswordFields({
    hashedPassword: get('hashed_password'),
    hashingMethod: get('hashing_method'),
    salt: get('salt'),
    saltPosition: get('salt_position'),
    saltFormat: get('salt_format'),
  }, checkHash);
  if (pw.kind === 'ok') d.password = pw.password;
  else if (pw.kind === 'not_imported') {
    d.warnings.push({ code: 'PASSWORD_NOT_IMPORTED', field: pw.field, message: `Password not imported: ${pw.reason}. The user is imported and must reset their password.` });
  }
  return d;
}

type Cell = (col: CsvColumn) => string;

function cellGetter(header: CsvHeader, fields: readonly string[]): Cell {
  return get;
  function get(col: CsvColumn): string {
    const i = header.index.get(col)!;
    return i < 0 ? '' : fields[i] ?? '';
  }
}

function booleanCell(get: Cell, col: CsvColumn, d: RowDraft): boolean | undefined {
  const v = checkBoolean(get(col));
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
      code: 'DEFAULT_ORGANIZATION_USED', field: 'external_organization_id',
      message: 'Roles or permissions are given without an external_organization_id: they are applied in the default organization.',
    });
    return [{ externalId: null, roles: r, permissions: p, scopes: [] }];
  }
  return ids.map((externalId) => ({ externalId, roles: r, permissions: p, scopes: [] }));
}
