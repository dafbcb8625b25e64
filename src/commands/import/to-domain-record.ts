import type { ImportIssueData } from '../../domain/import/events';
import type { IdentityInput } from '../../domain/user/identity';
import type { ImportRecord as DomainImportRecord } from '../../domain/user/import';
import { parseStoredPassword, type StoredPassword } from '../../passwords';
import type { ApplyJob } from './apply';
import type { LookupCache } from './lookups';
import type { ImportRecord } from './parse';

/** Parser record -> the domain's import record: organizations, roles and permissions resolved; warnings for the unknown. */
export function toDomainRecord(userId: string, r: ImportRecord, job: ApplyJob, cache: LookupCache, warnings: ImportIssueData[]): DomainImportRecord {
  // No closures here: this runs for every row of every import, and each closure costs (tsx names every one it creates).
  const orgs = new Map<string, OrgEntry>();
  for (const o of r.organizations) {
    let code = job.defaultOrgCode;
    let assignAccess = true;
    if (o.externalId !== null) {
      const found = cache.orgs.get(o.externalId);
      if (found) code = found;
      else {
        assignAccess = o.roles.length === 0 && o.permissions.length === 0;
        warn(
          warnings,
          r,
          'ORGANIZATION_NOT_FOUND',
          'external_organization_id',
          `No organization has external id "${o.externalId}"; the user was added to the default organization${assignAccess ? '' : " without this row's roles and permissions"}`,
        );
      }
    }
    const entry = orgEntry(orgs, code);
    if (!assignAccess) continue;
    for (const key of o.roles) {
      const id = cache.roles.get(key);
      if (id) entry.roleIds.add(id);
      else warn(warnings, r, 'ROLE_NOT_FOUND', 'roles', `No role has the key "${key}" (keys match exactly); it was not assigned`);
    }
    for (const key of o.permissions) {
      const id = cache.permissions.get(key);
      if (id) entry.permissionIds.add(id);
      else warn(warnings, r, 'PERMISSION_NOT_FOUND', 'permissions', `No permission has the key "${key}" (keys match exactly); it was not assigned`);
    }
  }
  // A new user with no organization goes to the default organization (the docs' default).
  if (r.kind === 'user' && orgs.size === 0) orgEntry(orgs, job.defaultOrgCode);

  let password: StoredPassword | undefined;
  if (r.password) {
    const parsed = parseStoredPassword({
      hashed_password: r.password.hashedPassword,
      hashing_method: r.password.hashingMethod,
      salt: r.password.salt,
      salt_position: r.password.saltPosition,
      salt_format: r.password.saltFormat,
      params: r.password.params,
    });
    if (parsed.ok) password = parsed.password;
    else warn(warnings, r, 'PASSWORD_NOT_IMPORTED', 'hashed_password', `${parsed.reason}; the user must reset their password`);
  }

  const identities: IdentityInput[] = r.identities.map((i) => ({
    type: i.type,
    identity: i.type === 'username' ? i.display : i.identity,
    ...(i.isVerified !== undefined ? { isVerified: i.isVerified } : {}),
    ...(i.provider !== undefined ? { provider: i.provider } : {}),
    ...(i.profile !== undefined ? { profile: { ...i.profile } } : {}),
  }));
  return {
    userId,
    ...(r.providedId !== undefined ? { providedId: r.providedId } : {}),
    ...(r.firstName !== undefined ? { firstName: r.firstName } : {}),
    ...(r.lastName !== undefined ? { lastName: r.lastName } : {}),
    ...(r.picture !== undefined ? { picture: r.picture } : {}),
    identities,
    organizations: [...orgs].map(([orgCode, e]) => ({ orgCode, roleIds: [...e.roleIds], permissionIds: [...e.permissionIds] })),
    ...(r.properties.length ? { properties: Object.fromEntries(r.properties.map((p) => [p.key, p.value])) } : {}),
    ...(r.featureFlags.length ? { featureFlags: Object.fromEntries(r.featureFlags.map((p) => [p.key, p.value])) } : {}),
    ...(password ? { password } : {}),
    ...(r.passwordVerified !== undefined ? { passwordVerified: r.passwordVerified } : {}),
  };
}

interface OrgEntry {
  readonly roleIds: Set<string>;
  readonly permissionIds: Set<string>;
}

function orgEntry(orgs: Map<string, OrgEntry>, code: string): OrgEntry {
  let e = orgs.get(code);
  if (!e) orgs.set(code, (e = { roleIds: new Set<string>(), permissionIds: new Set<string>() }));
  return e;
}

function warn(warnings: ImportIssueData[], r: ImportRecord, code: string, field: string, message: string): void {
  warnings.push({ line: r.lines[0] ?? 0, severity: 'warning', code, field, message, user_key: r.userKey });
}
