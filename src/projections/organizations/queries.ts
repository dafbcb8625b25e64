import type { Knex } from 'knex';
import { viewName } from '../projection';
import { clampPageSize, decodeToken, encodeToken, notFound } from '../support';
import { USER_ORGANIZATIONS_VIEW, USERS_VIEW } from '../users/queries';
import { permissionsProjection } from '../permissions/projection';
import { rolesProjection } from '../roles/projection';
import { organizationsProjection, type OrganizationDoc } from './projection';

export const ORGANIZATIONS_VIEW = viewName(organizationsProjection, 'organizations');

/** Kinde's `organization_item_schema`, plus created_on. */
export interface OrganizationItem {
  code: string;
  name: string;
  handle: null;
  is_default: boolean;
  external_id: string | null;
  is_auto_membership_enabled: boolean;
  created_on: string;
}

const item = (d: OrganizationDoc): OrganizationItem => ({
  code: d.code,
  name: d.name,
  handle: null,
  is_default: d.is_default,
  external_id: d.external_id,
  is_auto_membership_enabled: false,
  created_on: d.created_on,
});

/** `GET /api/v1/organizations`: by code, keyset pagination. */
export async function listOrganizations(knex: Knex, p: { page_size?: number | string; next_token?: string } = {}) {
  const size = clampPageSize(p.page_size, 10, 500);
  const after = decodeToken(p.next_token, 1);
  const q = knex(ORGANIZATIONS_VIEW)
    .select('id', 'doc')
    .where('deleted', false)
    .orderBy('id')
    .limit(size + 1);
  if (after) q.where('id', '>', String(after[0]));
  const rows = (await q) as { id: string; doc: OrganizationDoc }[];
  const page = rows.slice(0, size);
  return { code: 'OK', message: 'Success', organizations: page.map((r) => item(r.doc)), next_token: rows.length > size ? encodeToken([page[page.length - 1]!.id]) : null };
}

/** `GET /api/v1/organization?code=…`, with properties and default role ids. */
export async function getOrganization(knex: Knex, code: string) {
  const row = await knex<{ id: string; deleted: boolean; doc: OrganizationDoc }>(ORGANIZATIONS_VIEW).select('doc').where({ id: code, deleted: false }).first();
  if (!row) throw notFound('ORGANIZATION_NOT_FOUND', `No organization with code ${code}`);
  const d = row.doc;
  return { ...item(d), properties: d.properties, default_role_ids: d.default_role_ids };
}

const ROLES_VIEW = viewName(rolesProjection, 'roles');
const PERMISSIONS_VIEW = viewName(permissionsProjection, 'permissions');

interface Catalog {
  roles: Map<string, { id: string; key: string; permission_ids: string[] }>;
  permissions: Map<string, { id: string; key: string }>;
}

/** Live roles and permissions by id (deleted ones are absent, so they drop out of a member's access). */
async function loadCatalog(knex: Knex, ids: { roles: string[]; permissions: string[] }): Promise<Catalog> {
  const roles = (await knex(ROLES_VIEW).select('id', 'doc').where('deleted', false).whereIn('id', ids.roles)) as { id: string; doc: { key: string; permission_ids: string[] } }[];
  const permIds = new Set(ids.permissions);
  for (const r of roles) for (const p of r.doc.permission_ids) permIds.add(p);
  const perms = (await knex(PERMISSIONS_VIEW)
    .select('id', 'doc')
    .where('deleted', false)
    .whereIn('id', [...permIds])) as { id: string; doc: { key: string } }[];
  return {
    roles: new Map(roles.map((r) => [r.id, { id: r.id, key: r.doc.key, permission_ids: r.doc.permission_ids }])),
    permissions: new Map(perms.map((p) => [p.id, { id: p.id, key: p.doc.key }])),
  };
}

/** Kinde's `organization_user`, with the member's roles (keys) and permissions (keys) in this organization. */
export interface OrganizationMember {
  id: string;
  email: string | null;
  full_name: string;
  first_name: string | null;
  last_name: string | null;
  picture: string | null;
  joined_on: string;
  last_accessed_on: string | null;
  is_suspended: boolean;
  roles: string[];
  permissions: string[];
}

/**
 * `GET /api/v1/organizations/{org_code}/users`: members by user id, keyset
 * pagination, optional filter by role key(s) (comma-separated).
 */
export async function organizationUsers(knex: Knex, orgCode: string, p: { page_size?: number | string; next_token?: string; roles?: string } = {}) {
  const size = clampPageSize(p.page_size, 10, 500);
  const after = decodeToken(p.next_token, 1);
  const q = knex(`${USER_ORGANIZATIONS_VIEW} as m`)
    .join(`${USERS_VIEW} as u`, 'u.id', 'm.parent_id')
    .select('u.id', 'u.email', 'u.full_name', 'u.first_name', 'u.last_name', 'u.picture', 'u.is_suspended', 'm.role_ids', 'm.permission_ids', 'm.joined_on', 'm.last_accessed_on')
    .where('m.org_code', orgCode)
    .orderBy('m.parent_id')
    .limit(size + 1);
  if (after) q.where('m.parent_id', '>', String(after[0]));
  if (p.roles) {
    const keys = p.roles
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const ids = (await knex<{ id: string; key: string; deleted: boolean }>(ROLES_VIEW).select('id').where('deleted', false).whereIn('key', keys)).map((r) => r.id);
    q.whereRaw('m.role_ids && ?::text[]', [ids]);
  }
  const rows = (await q) as Record<string, unknown>[];
  const page = rows.slice(0, size);
  const catalog = await loadCatalog(knex, {
    roles: [...new Set(page.flatMap((r) => r.role_ids as string[]))],
    permissions: [...new Set(page.flatMap((r) => r.permission_ids as string[]))],
  });
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  const members: OrganizationMember[] = page.map((r) => {
    const roles = (r.role_ids as string[]).map((id) => catalog.roles.get(id)).filter((x) => x !== undefined);
    const permIds = new Set([...(r.permission_ids as string[]), ...roles.flatMap((x) => x.permission_ids)]);
    return {
      id: String(r.id),
      email: (r.email as string) ?? null,
      full_name: (r.full_name as string) ?? '',
      first_name: (r.first_name as string) ?? null,
      last_name: (r.last_name as string) ?? null,
      picture: (r.picture as string) ?? null,
      joined_on: iso(r.joined_on)!,
      last_accessed_on: iso(r.last_accessed_on),
      is_suspended: Boolean(r.is_suspended),
      roles: roles.map((x) => x.key).sort(),
      permissions: [...permIds]
        .map((id) => catalog.permissions.get(id)?.key)
        .filter((k): k is string => k !== undefined)
        .sort(),
    };
  });
  return { code: 'OK', message: 'Success', organization_users: members, next_token: rows.length > size ? encodeToken([String(page[page.length - 1]!.id)]) : null };
}
