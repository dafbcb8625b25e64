import { roleHoldersAsOf } from '../../projections/role-grants/queries';
import type { Router } from 'express';
import { z } from 'zod';
import { listOrganizations, organizationUsers } from '../../projections/organizations/queries';
import { listPermissions } from '../../projections/permissions/queries';
import { listPropertyDefinitions } from '../../projections/properties/queries';
import { listRoles, rolePermissions, roleUsers } from '../../projections/roles/queries';
import { listSubscribers } from '../../projections/subscribers/queries';
import { listUsers, USER_SORTS, type UserSort } from '../../projections/users/queries';
import { encodeToken } from '../../projections/support';
import { endpoint, mount, type ApiDeps, type EndpointRegistry } from '../api';
import { activeOrganization, activeRole } from '../views/streams';
import { NextToken, optionalText, page, PageSize, UserFilters, userFilters, withoutNulls } from './list-params';

/**
 * Every Kinde list endpoint, answered from the read models (keyset pagination
 * through `next_token`). Writes wait for the projections, so a list read right
 * after a write sees it.
 */
export function listRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { knex, store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
      endpoint({
        method: 'get',
        path: '/api/v1/users',
        scope: 'read:users',
        summary: 'Get users',
        operationId: 'getUsers',
        query: z
          .object({
            page_size: PageSize,
            next_token: NextToken,
            user_id: z.string().max(10_000).optional(),
            email: z.string().max(10_000).optional(),
            username: z.string().max(10_000).optional(),
            phone: z.string().max(10_000).optional(),
            expand: z.string().max(200).optional(),
            has_organization: z.enum(['true', 'false']).optional(),
            active_since: z.string().max(40).optional(),
            sort: z.enum(USER_SORTS as [UserSort, ...UserSort[]]).optional(),
            query: optionalText(320),
            ...UserFilters,
          })
          .strip(),
        handler: async ({ query }) => {
          const expand = new Set((query.expand ?? '').split(',').map((s) => s.trim()));
          const r = await listUsers(knex, {
            ...(query.page_size ? { page_size: query.page_size } : {}),
            ...(query.next_token ? { next_token: query.next_token } : {}),
            ...(query.sort ? { sort: query.sort } : {}),
            ...(query.user_id ? { user_id: query.user_id } : {}),
            ...(query.email ? { email: query.email } : {}),
            ...(query.username ? { username: query.username } : {}),
            ...(query.phone ? { phone: query.phone } : {}),
            ...(query.query ? { query: query.query } : {}),
            ...userFilters(query),
            with_identities: expand.has('identities'),
          });
          // has_organization filters the page (a page may then hold fewer than page_size users; next_token still continues).
          let users = r.users;
          if (query.has_organization) users = users.filter((u) => u.organizations.length > 0 === (query.has_organization === 'true'));
          return page({
            code: r.code,
            message: r.message,
            next_token: r.next_token,
            users: users.map(({ organizations, identities, full_name: _f, is_password_reset_requested: _p, ...u }) => ({
              ...withoutNulls(u, ['total_sign_ins', 'failed_sign_ins', 'last_signed_in', 'created_on']),
              ...(expand.has('organizations') ? { organizations } : {}),
              ...(expand.has('identities') ? { identities } : {}),
            })),
          });
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/search/users',
        scope: 'read:users',
        summary: 'Search users by any part of their id, provided id, email, username, phone or name',
        operationId: 'searchUsers',
        query: z
          .object({
            page_size: PageSize,
            query: z.string().max(320).optional(),
            properties: z.string().max(2000).optional(),
            starting_after: z.string().max(100).optional(),
            ending_before: z.string().max(100).optional(),
            expand: z.string().max(200).optional(),
            api_scopes: z.string().max(2000).optional(),
            ...UserFilters,
          })
          .strip(),
        handler: async ({ query }) => {
          const size = query.page_size ?? 10;
          // Pages by id, as Kinde's search does: after `starting_after`, or the page before `ending_before`.
          const before = query.ending_before && !query.starting_after ? query.ending_before : undefined;
          const cursor = before ?? query.starting_after;
          const r = await listUsers(knex, {
            page_size: size,
            sort: before ? 'id_desc' : 'id_asc',
            ...(cursor ? { next_token: encodeToken([cursor]) } : {}),
            ...(query.query?.trim() ? { query: query.query } : {}),
            ...userFilters(query),
            with_identities: true,
          });
          const users = before ? [...r.users].reverse() : r.users;
          return {
            code: 'OK',
            message: 'Success',
            results: users.map(({ full_name: _f, is_password_reset_requested: _p, phone: _ph, ...u }) =>
              withoutNulls(u, ['provided_id', 'email', 'username', 'picture', 'total_sign_ins', 'failed_sign_ins', 'last_signed_in', 'created_on']),
            ),
          };
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/organizations',
        scope: 'read:organizations',
        summary: 'Get organizations',
        operationId: 'getOrganizations',
        query: z.object({ page_size: PageSize, next_token: NextToken, sort: z.string().max(40).optional() }).strip(),
        handler: async ({ query }) =>
          page(await listOrganizations(knex, { ...(query.page_size ? { page_size: query.page_size } : {}), ...(query.next_token ? { next_token: query.next_token } : {}) })),
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/organizations/:org_code/users',
        scope: 'read:organization_users',
        summary: 'Get organization users',
        operationId: 'getOrganizationUsers',
        params: z.object({ org_code: z.string().min(1).max(64) }).strict(),
        query: z
          .object({ page_size: PageSize, next_token: NextToken, sort: z.string().max(40).optional(), permissions: z.string().max(2000).optional(), roles: z.string().max(2000).optional() })
          .strip(),
        handler: async ({ params, query }) => {
          await activeOrganization(store, params.org_code);
          const r = await organizationUsers(knex, params.org_code, {
            ...(query.page_size ? { page_size: query.page_size } : {}),
            ...(query.next_token ? { next_token: query.next_token } : {}),
            ...(query.roles ? { roles: query.roles } : {}),
          });
          let members = r.organization_users;
          if (query.permissions) {
            const wanted = query.permissions
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean);
            members = members.filter((m) => wanted.some((p) => m.permissions.includes(p)));
          }
          return page({ ...r, organization_users: members.map(({ permissions: _p, ...m }) => withoutNulls(m, ['id', 'email', 'last_name', 'first_name', 'picture', 'last_accessed_on'])) });
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/organizations/:org_code/roles/:role_id/users',
        scope: 'read:organization_user_roles',
        summary: 'Get users with a role in an organization',
        operationId: 'getOrganizationRoleUsers',
        params: z.object({ org_code: z.string().min(1).max(64), role_id: z.string().min(1).max(100) }).strict(),
        // Roster adds `as_of` (ISO 8601): who had the role in the organization at that moment, and who granted it when.
        query: z.object({ page_size: PageSize, next_token: NextToken, as_of: z.iso.datetime({ offset: true }).optional() }).strip(),
        handler: async ({ params, query }) => {
          if (query.as_of) {
            const holders = await roleHoldersAsOf(knex, params.org_code, params.role_id, query.as_of);
            return {
              code: 'OK',
              message: 'Success',
              as_of: new Date(query.as_of).toISOString(),
              users: holders.map((h) => ({ id: h.id, email: h.email, full_name: h.full_name, granted_on: h.granted_on, granted_by: h.granted_by, granted_how: h.granted_how })),
              next_token: null,
            };
          }
          await activeOrganization(store, params.org_code);
          await activeRole(store, params.role_id);
          const r = await roleUsers(knex, params.role_id, {
            org_code: params.org_code,
            ...(query.page_size ? { page_size: query.page_size } : {}),
            ...(query.next_token ? { next_token: query.next_token } : {}),
          });
          return { code: 'OK', message: 'Success', users: r.users.map((u) => ({ id: u.id })), next_token: r.next_token };
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/roles',
        scope: 'read:roles',
        summary: 'Get roles',
        operationId: 'getRoles',
        query: z.object({ page_size: PageSize, next_token: NextToken, sort: z.string().max(40).optional() }).strip(),
        handler: async ({ query }) => {
          const r = await listRoles(knex, { ...(query.page_size ? { page_size: query.page_size } : {}), ...(query.next_token ? { next_token: query.next_token } : {}) });
          return page({ ...r, roles: r.roles.map((x) => withoutNulls(x, ['description'])) });
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/roles/:role_id/permissions',
        scope: 'read:role_permissions',
        summary: 'Get role permissions',
        operationId: 'getRolePermissions',
        params: z.object({ role_id: z.string().min(1).max(100) }).strict(),
        query: z.object({ page_size: PageSize, next_token: NextToken, sort: z.string().max(40).optional() }).strip(),
        handler: async ({ params }) => {
          await activeRole(store, params.role_id);
          const r = await rolePermissions(knex, params.role_id);
          return page({ ...r, permissions: r.permissions.map((p) => withoutNulls(p)) });
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/roles/:role_id/users',
        scope: 'read:organization_user_roles',
        summary: 'Get users with a role (in any organization)',
        operationId: 'getRoleUsers',
        params: z.object({ role_id: z.string().min(1).max(100) }).strict(),
        query: z.object({ page_size: PageSize, next_token: NextToken }).strip(),
        handler: async ({ params, query }) => {
          await activeRole(store, params.role_id);
          const r = await roleUsers(knex, params.role_id, { ...(query.page_size ? { page_size: query.page_size } : {}), ...(query.next_token ? { next_token: query.next_token } : {}) });
          // Kinde lists each user once with the organizations where they hold the role.
          const byUser = new Map<string, { id: string; email?: string; full_name: string; org_codes: string[] }>();
          for (const u of r.users) {
            const entry = byUser.get(u.id) ?? { id: u.id, ...(u.email ? { email: u.email } : {}), full_name: u.full_name, org_codes: [] };
            entry.org_codes.push(u.org_code);
            byUser.set(u.id, entry);
          }
          return { code: 'OK', message: 'Success', users: [...byUser.values()], next_token: r.next_token };
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/permissions',
        scope: 'read:permissions',
        summary: 'Get permissions',
        operationId: 'getPermissions',
        query: z.object({ page_size: PageSize, next_token: NextToken, sort: z.string().max(40).optional() }).strip(),
        handler: async ({ query }) => {
          const r = await listPermissions(knex, { ...(query.page_size ? { page_size: query.page_size } : {}), ...(query.next_token ? { next_token: query.next_token } : {}) });
          return page({ ...r, permissions: r.permissions.map((p) => withoutNulls(p)) });
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/properties',
        scope: 'read:properties',
        summary: 'Get properties',
        operationId: 'getProperties',
        query: z
          .object({ page_size: PageSize, starting_after: z.string().max(128).optional(), ending_before: z.string().max(128).optional(), context: z.enum(['usr', 'org', 'app']).optional() })
          .strip(),
        handler: async ({ query }) => {
          const r = await listPropertyDefinitions(knex, query.context ? { context: query.context } : {});
          let list = r.properties;
          if (query.starting_after) list = list.filter((p) => p.key > query.starting_after!);
          if (query.ending_before) list = list.filter((p) => p.key < query.ending_before!);
          const size = query.page_size ?? list.length;
          return { code: 'OK', message: 'Success', properties: list.slice(0, size).map((p) => withoutNulls(p)), has_more: list.length > size };
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/subscribers',
        scope: 'read:subscribers',
        summary: 'Get subscribers',
        operationId: 'getSubscribers',
        query: z.object({ page_size: PageSize, next_token: NextToken, sort: z.string().max(40).optional() }).strip(),
        handler: async ({ query }) => {
          const r = await listSubscribers(knex, { ...(query.page_size ? { page_size: query.page_size } : {}), ...(query.next_token ? { next_token: query.next_token } : {}) });
          return page({ ...r, subscribers: r.subscribers.map((s) => withoutNulls(s)) });
        },
      }),
    ]);
}
