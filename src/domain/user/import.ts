import { DomainError } from '../errors';
import type { StoredPassword, UserEvent, UserEventOf } from './events';
import { buildIdentities } from './build-identities';
import { samePassword } from './same-password';
import type { IdentityInput } from './identity';
import type { UserState } from './state';

/**
 * What one (merged) import record wants a user to be. Organizations, roles and
 * permissions are already resolved to codes and ids by the import step
 * (unknown ones dropped with a warning there).
 */
export interface ImportRecord {
  /** For a new user: the id to create it with (the import step derives it deterministically). */
  readonly userId: string;
  readonly providedId?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly picture?: string;
  readonly identities: readonly IdentityInput[];
  readonly organizations: readonly { readonly orgCode: string; readonly roleIds: readonly string[]; readonly permissionIds: readonly string[] }[];
  readonly properties?: Readonly<Record<string, string>>;
  readonly featureFlags?: Readonly<Record<string, string>>;
  readonly password?: StoredPassword;
  readonly passwordVerified?: boolean;
  readonly createdAtSource?: string;
  /**
   * The source does not let this account sign in (Auth0 `blocked`, Supabase `banned_until`,
   * Keycloak `enabled: false`, …): the user is imported suspended, with this reason
   * ("blocked in Auth0"). An existing active user is suspended only in mode `update`;
   * a suspended one is never suspended again (re-imports stay free), and nothing in an
   * import ever restores a user — that is an admin's decision.
   */
  readonly suspendedAtSource?: string;
}

/**
 * - `merge` (default): add what is missing — identities, organizations, roles,
 *   permissions, properties, a password where none — never overwrite.
 * - `update`: additionally, values in the file overwrite changed fields.
 * - `create_only`: existing users are skipped.
 */
export type ImportMode = 'merge' | 'update' | 'create_only';

type ImportedData = UserEventOf<'UserImported'>['data'];

/**
 * Given the user's current state and the desired record, the events to append:
 * [] when nothing would change (a re-import of an unchanged file appends nothing).
 * Throws DomainError (IDENTITY_INVALID, ENTERPRISE_IDENTITY_EXCLUSIVE, USER_DELETED, IDENTITY_REQUIRED).
 * A re-import trusts earlier decisions of the same inputs (src/commands/import/fingerprint.ts):
 * a change to what this decides for the same state and record must raise VERSION there.
 */
export function decideImport(state: UserState, record: ImportRecord, mode: ImportMode = 'merge'): UserEvent[] {
  if (state.status === 'deleted') throw new DomainError('USER_DELETED', 'user has been deleted', { userId: state.userId });

  if (state.status === 'none') {
    if (record.identities.length === 0) throw new DomainError('IDENTITY_REQUIRED', 'an imported user needs at least one identity (an email or a phone)');
    const data: ImportedData = {
      userId: record.userId,
      isNew: true,
      mode: mode === 'update' ? 'update' : 'merge',
      ...optional('providedId', record.providedId),
      ...optional('firstName', record.firstName),
      ...optional('lastName', record.lastName),
      ...optional('picture', record.picture),
      identities: buildIdentities(record.userId, [], record.identities),
      organizations: mergeOrgs(record.organizations),
      properties: { ...(record.properties ?? {}) },
      featureFlags: { ...(record.featureFlags ?? {}) },
      ...optional('password', record.password),
      ...optional('passwordVerified', record.password ? (record.passwordVerified ?? false) : undefined),
      ...optional('createdAtSource', record.createdAtSource),
    };
    return [{ type: 'UserImported', data }, ...suspension(record)];
  }

  if (mode === 'create_only') return [];
  const user = state;
  const overwrite = mode === 'update';
  let changed = false;

  const field = <K extends 'firstName' | 'lastName' | 'picture'>(key: K): Partial<Pick<ImportedData, K>> => {
    const wanted = record[key];
    if (wanted === undefined || wanted === '') return {};
    const current = user[key];
    if (current === wanted) return {};
    if (current !== undefined && !overwrite) return {};
    changed = true;
    return { [key]: wanted } as Partial<Pick<ImportedData, K>>;
  };
  const names = { ...field('firstName'), ...field('lastName'), ...field('picture') };

  // A provided id is an identity key: set when missing, never replaced by an import.
  let providedId: { providedId?: string } = {};
  if (record.providedId !== undefined && user.providedId === undefined) {
    providedId = { providedId: record.providedId };
    changed = true;
  }

  const identities = buildIdentities(user.userId, user.identities, record.identities);
  if (identities.length > 0) changed = true;

  const organizations: ImportedData['organizations'] = [];
  for (const wanted of mergeOrgs(record.organizations)) {
    const current = user.organizations[wanted.orgCode];
    const roleIds = wanted.roleIds.filter((r) => !current?.roleIds.includes(r));
    const permissionIds = wanted.permissionIds.filter((p) => !current?.permissionIds.includes(p));
    if (current && roleIds.length === 0 && permissionIds.length === 0) continue;
    organizations.push({ orgCode: wanted.orgCode, roleIds, permissionIds });
    changed = true;
  }

  const pairs = (wanted: Readonly<Record<string, string>> | undefined, current: Readonly<Record<string, string>>) => {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(wanted ?? {})) {
      const now = current[key];
      if (now === value) continue;
      if (now !== undefined && !overwrite) continue;
      out[key] = value;
      changed = true;
    }
    return out;
  };
  const properties = pairs(record.properties, user.properties);
  const featureFlags = pairs(record.featureFlags, user.featureFlags);

  let password: { password?: StoredPassword; passwordVerified?: boolean } = {};
  if (record.password) {
    const current = user.password?.stored;
    const differs = !current || !samePassword(current, record.password);
    if (differs && (!current || overwrite)) {
      password = { password: record.password, passwordVerified: record.passwordVerified ?? false };
      changed = true;
    } else if (!differs && overwrite && record.passwordVerified !== undefined && record.passwordVerified !== user.passwordVerified) {
      password = { passwordVerified: record.passwordVerified };
      changed = true;
    }
  }

  // Merge never changes an existing user's state; update follows the source (only ever towards suspended).
  const suspend = overwrite && user.status === 'active' ? suspension(record) : [];
  if (!changed) return suspend;
  return [
    {
      type: 'UserImported',
      data: {
        userId: user.userId,
        isNew: false,
        mode: overwrite ? 'update' : 'merge',
        ...providedId,
        ...names,
        identities,
        organizations,
        properties,
        featureFlags,
        ...password,
      },
    },
    ...suspend,
  ];
}

function suspension(record: ImportRecord): UserEvent[] {
  return record.suspendedAtSource === undefined ? [] : [{ type: 'UserSuspended', data: { reason: record.suspendedAtSource } }];
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function mergeOrgs(list: ImportRecord['organizations']) {
  const byCode = new Map<string, { roleIds: Set<string>; permissionIds: Set<string> }>();
  for (const o of list) {
    const entry = byCode.get(o.orgCode) ?? { roleIds: new Set<string>(), permissionIds: new Set<string>() };
    o.roleIds.forEach((r) => entry.roleIds.add(r));
    o.permissionIds.forEach((p) => entry.permissionIds.add(p));
    byCode.set(o.orgCode, entry);
  }
  return [...byCode].map(([orgCode, e]) => ({ orgCode, roleIds: [...e.roleIds], permissionIds: [...e.permissionIds] }));
}
