import type { Knex } from 'knex';
import { viewName } from '../projection';
import { permissionsProjection, type PermissionDoc } from '../permissions/projection';
import { clampPageSize, decodeToken, encodeToken, notFound } from '../support';
import { USER_ORGANIZATIONS_VIEW, USERS_VIEW } from '../users/queries';
import { rolesProjection, type RoleDoc } from './projection';

export const ROLES_VIEW = viewName(rolesProjection, 'roles');
const PERMISSIONS_VIEW = viewName(permissionsProjection, 'permissions');

/** Kinde's `roles` item. */
export interface RoleItem {
  id: string;
  key: string;
  name: string;
  description: string | null;
  is_default_role: boolean;
}

const item = (d: RoleDoc): RoleItem => ({ id: d.id, key: d.key, name: d.name, description: d.description, is_default_role: d.is_default_role });

/** `GET /api/v1/roles`: sorted by key (then id), keyset pagination. */
export async function listRoles(knex: Knex, p: { page_size?: number | string; next_token?: string } = {}) {
  const size = clampPageSize(p.page_size, 10, 500);
  const after = decodeToken(p.next_token, 2);
  const q = knex(ROLES_VIEW)
    .select('id', 'key', 'doc')
    .where('deleted', false)
    .orderBy([{ column: 'key' }, { column: 'id' }])
    .limit(size + 1);
  if (after) q.whereRaw('(key, id) > (?, ?)', [String(after[0]), String(after[1])]);
  const rows = (await q) as { id: string; key: string; doc: RoleDoc }[];
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  return { code: 'OK', message: 'Success', roles: page.map((r) => item(r.doc)), next_token: rows.length > size && last ? encodeToken([last.key, last.id]) : null };
}

/** `GET /api/v1/roles/{role_id}/permissions`. */
export async function rolePermissions(knex: Knex, roleId: string) {
  const row = await knex<{ id: string; deleted: boolean; doc: RoleDoc }>(ROLES_VIEW).select('doc').where({ id: roleId, deleted: false }).first();
  if (!row) throw notFound('ROLE_NOT_FOUND', `No role with id ${roleId}`);
  const ids = row.doc.permission_ids;
  const perms = (await knex(PERMISSIONS_VIEW).select('doc').where('deleted', false).whereIn('id', ids)) as { doc: PermissionDoc }[];
  return {
    code: 'OK',
    message: 'Success',
    permissions: perms.map((p) => ({ id: p.doc.id, key: p.doc.key, name: p.doc.name, description: p.doc.description })).sort((a, b) => a.key.localeCompare(b.key)),
    next_token: null,
  };
}

/** Users holding a role, in one organization or in all; keyset pagination on (user id, org code). */
export async function roleUsers(knex: Knex, roleId: string, p: { org_code?: string; page_size?: number | string; next_token?: string } = {}) {
  const size = clampPageSize(p.page_size, 10, 500);
  const after = decodeToken(p.next_token, 2);
  const q = knex(`${USER_ORGANIZATIONS_VIEW} as m`)
    .join(`${USERS_VIEW} as u`, 'u.id', 'm.parent_id')
    .select('u.id', 'u.email', 'u.full_name', 'm.org_code')
    .whereRaw('m.role_ids @> array[?]::text[]', [roleId])
    .orderBy([{ column: 'm.parent_id' }, { column: 'm.org_code' }])
    .limit(size + 1);
  if (p.org_code) q.where('m.org_code', p.org_code);
  if (after) q.whereRaw('(m.parent_id, m.org_code) > (?, ?)', [String(after[0]), String(after[1])]);
  const rows = (await q) as { id: string; email: string | null; full_name: string; org_code: string }[];
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  return { users: page, next_token: rows.length > size && last ? encodeToken([last.id, last.org_code]) : null };
}
