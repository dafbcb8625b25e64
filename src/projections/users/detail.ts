import type { Knex } from 'knex';
import { viewName } from '../projection';
import { permissionsProjection } from '../permissions/projection';
import { rolesProjection } from '../roles/projection';
import { organizationsProjection } from '../organizations/projection';
import { notFound } from '../support';
import type { UserDoc } from './doc';
import { USERS_VIEW } from './queries';
import { fullName, preferredIdentity } from './rows';

/** One user's detail from the users read model, with their organizations' roles and permissions resolved. */

const ROLES_VIEW = viewName(rolesProjection, 'roles');
const PERMISSIONS_VIEW = viewName(permissionsProjection, 'permissions');
const ORGANIZATIONS_VIEW = viewName(organizationsProjection, 'organizations');

export interface UserDetail {
  id: string;
  provided_id: string | null;
  preferred_email: string | null;
  phone: string | null;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  full_name: string;
  picture: string | null;
  status: UserDoc['status'];
  is_suspended: boolean;
  suspension: UserDoc['suspension'];
  is_password_reset_requested: boolean;
  password: UserDoc['password'];
  total_sign_ins: number;
  failed_sign_ins: number;
  last_signed_in: string | null;
  created_on: string;
  updated_on: string;
  organizations: string[];
  identities: {
    id: string;
    type: string;
    identity: string;
    name: string;
    is_confirmed: boolean;
    is_primary: boolean;
    provider: string | null;
    created_on: string;
    total_logins: number;
    failed_logins: number;
    last_login_on: string | null;
  }[];
  organization_access: {
    org_code: string;
    name: string | null;
    joined_on: string;
    last_accessed_on: string | null;
    roles: { id: string; key: string; name: string }[];
    permissions: { id: string; key: string; name: string; via: 'direct' | 'role'; roles: string[] }[];
  }[];
  properties: Record<string, string>;
  feature_flags: Record<string, string>;
  mfa: UserDoc['mfa'];
  policies: UserDoc['policies'];
}

export interface Catalog {
  roles: Map<string, { id: string; key: string; name: string; permission_ids: string[] }>;
  permissions: Map<string, { id: string; key: string; name: string }>;
  organizations: Map<string, { code: string; name: string }>;
}

/** Live roles, permissions and organizations by id (deleted ones are absent, so they drop out of access). */
export async function loadCatalog(knex: Knex, ids: { roles: string[]; permissions: string[]; orgs: string[] }): Promise<Catalog> {
  const roles = (await knex(ROLES_VIEW).select('id', 'doc').where('deleted', false).whereIn('id', ids.roles)) as { id: string; doc: { key: string; name: string; permission_ids: string[] } }[];
  const permIds = new Set(ids.permissions);
  for (const r of roles) for (const p of r.doc.permission_ids) permIds.add(p);
  const perms = (await knex(PERMISSIONS_VIEW)
    .select('id', 'doc')
    .where('deleted', false)
    .whereIn('id', [...permIds])) as { id: string; doc: { key: string; name: string } }[];
  const orgs = (await knex(ORGANIZATIONS_VIEW).select('id', 'name').where('deleted', false).whereIn('id', ids.orgs)) as { id: string; name: string }[];
  return {
    roles: new Map(roles.map((r) => [r.id, { id: r.id, key: r.doc.key, name: r.doc.name, permission_ids: r.doc.permission_ids }])),
    permissions: new Map(perms.map((p) => [p.id, { id: p.id, key: p.doc.key, name: p.doc.name }])),
    organizations: new Map(orgs.map((o) => [o.id, { code: o.id, name: o.name }])),
  };
}

/** The detail of a user document (shared by the live read model and time travel). */
export function userDetailOf(doc: UserDoc, catalog: Catalog): UserDetail {
  return {
    id: doc.id,
    provided_id: doc.provided_id,
    preferred_email: preferredIdentity(doc, 'email'),
    phone: preferredIdentity(doc, 'phone'),
    username: preferredIdentity(doc, 'username'),
    first_name: doc.first_name,
    last_name: doc.last_name,
    full_name: fullName(doc),
    picture: doc.picture,
    status: doc.status,
    is_suspended: doc.status === 'suspended',
    suspension: doc.suspension,
    is_password_reset_requested: doc.is_password_reset_requested,
    password: doc.password,
    total_sign_ins: doc.total_sign_ins,
    failed_sign_ins: doc.failed_sign_ins,
    last_signed_in: doc.last_signed_in,
    created_on: doc.created_on,
    updated_on: doc.updated_on,
    organizations: Object.keys(doc.organizations).sort(),
    identities: doc.identities.map((i) => ({
      id: i.id,
      type: i.type,
      identity: i.identity,
      name: i.identity,
      is_confirmed: i.is_verified,
      is_primary: i.is_primary,
      provider: i.provider,
      created_on: i.created_on,
      total_logins: i.total_logins,
      failed_logins: i.failed_logins,
      last_login_on: i.last_login_on,
    })),
    organization_access: Object.entries(doc.organizations)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([org_code, m]) => {
        const roles = m.role_ids.map((id) => catalog.roles.get(id)).filter((r) => r !== undefined);
        const perms = new Map<string, { id: string; key: string; name: string; via: 'direct' | 'role'; roles: string[] }>();
        for (const id of m.permission_ids) {
          const p = catalog.permissions.get(id);
          if (p) perms.set(id, { ...p, via: 'direct', roles: [] });
        }
        for (const r of roles) {
          for (const id of r.permission_ids) {
            const p = catalog.permissions.get(id);
            if (!p) continue;
            const existing = perms.get(id) ?? { ...p, via: 'role' as const, roles: [] };
            perms.set(id, { ...existing, roles: [...existing.roles, r.key] });
          }
        }
        return {
          org_code,
          name: catalog.organizations.get(org_code)?.name ?? null,
          joined_on: m.joined_on,
          last_accessed_on: doc.last_organization_sign_ins[org_code] ?? null,
          roles: roles.map((r) => ({ id: r.id, key: r.key, name: r.name })),
          permissions: [...perms.values()].sort((a, b) => a.key.localeCompare(b.key)),
        };
      }),
    properties: doc.properties,
    feature_flags: doc.feature_flags,
    mfa: doc.mfa,
    policies: doc.policies,
  };
}

function catalogIds(doc: UserDoc) {
  const ms = Object.values(doc.organizations);
  return { roles: [...new Set(ms.flatMap((m) => m.role_ids))], permissions: [...new Set(ms.flatMap((m) => m.permission_ids))], orgs: Object.keys(doc.organizations) };
}

/** `GET /api/v1/user?id=…`: the whole detail, or USER_NOT_FOUND (deleted users are not found). */
export async function getUser(knex: Knex, userId: string): Promise<UserDetail> {
  const row = await knex<{ id: string; status: string; doc: UserDoc }>(USERS_VIEW).select('doc').where('id', userId).whereNot('status', 'deleted').first();
  if (!row) throw notFound('USER_NOT_FOUND', `No user with id ${userId}`);
  const doc = row.doc;
  return userDetailOf(doc, await loadCatalog(knex, catalogIds(doc)));
}
