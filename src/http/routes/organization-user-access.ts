import type { Router } from 'express';
import { z } from 'zod';
import * as users from '../../commands/users';
import { endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';
import { HttpError } from '../errors';
import { activePermission, activeRole } from '../views/streams';
import { kindeMfaFactors } from '../views/user-stream';
import { memberAccess, OrgUserParam } from './organization-users';
import { resetFactors } from './user-mfa';

/** Kinde's endpoints for one member's roles, permissions (direct and through roles) and MFA in an organization. */
export function organizationUserAccessRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
      endpoint({
        method: 'get',
        path: '/api/v1/organizations/:org_code/users/:user_id/roles',
        scope: 'read:organization_user_roles',
        summary: "List organization user's roles",
        operationId: 'getOrganizationUserRoles',
        params: OrgUserParam,
        handler: async ({ params }) => {
          const { access } = await memberAccess(deps, params.org_code, params.user_id);
          const roles = [];
          for (const roleId of access.roleIds) {
            const role = await activeRole(store, roleId).catch(() => undefined);
            if (role) roles.push({ id: role.roleId, key: role.key, name: role.name });
          }
          return { code: 'OK', message: 'Success', roles };
        },
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/organizations/:org_code/users/:user_id/roles',
        scope: 'create:organization_user_roles',
        summary: 'Add role to organization user',
        operationId: 'createOrganizationUserRole',
        params: OrgUserParam,
        body: z.object({ role_id: z.string().min(1).max(100) }).strict(),
        handler: async ({ params, body, ctx }) => {
          await memberAccess(deps, params.org_code, params.user_id);
          await activeRole(store, body.role_id);
          const r = await users.assignRole(store, ctx, params.user_id, params.org_code, body.role_id);
          await settle(deps, r.position);
          return success('Role successfully added', 'OK');
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/organizations/:org_code/users/:user_id/roles/:role_id',
        scope: 'delete:organization_user_roles',
        summary: 'Delete role from organization user',
        operationId: 'deleteOrganizationUserRole',
        params: z.object({ org_code: z.string().min(1), user_id: z.string().min(1), role_id: z.string().min(1) }).strict(),
        handler: async ({ params, ctx }) => {
          const { access } = await memberAccess(deps, params.org_code, params.user_id);
          if (!access.roleIds.includes(params.role_id)) throw new HttpError('not_found', 'ROLE_NOT_FOUND', 'The user does not have this role in this organization');
          const r = await users.removeRole(store, ctx, params.user_id, params.org_code, params.role_id);
          await settle(deps, r.position);
          return success('Role successfully removed', 'OK');
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/organizations/:org_code/users/:user_id/permissions',
        scope: 'read:organization_user_permissions',
        summary: "List organization user's permissions (direct and through roles)",
        operationId: 'getOrganizationUserPermissions',
        params: OrgUserParam,
        query: z.object({ expand: z.string().max(100).optional() }).strip(),
        handler: async ({ params, query }) => {
          const { access } = await memberAccess(deps, params.org_code, params.user_id);
          const expandRoles = (query.expand ?? '')
            .split(',')
            .map((s) => s.trim())
            .includes('roles');
          const via = new Map<string, { id: string; key: string }[]>();
          for (const id of access.permissionIds) via.set(id, via.get(id) ?? []);
          for (const roleId of access.roleIds) {
            const role = await activeRole(store, roleId).catch(() => undefined);
            if (!role) continue;
            for (const pid of role.permissionIds) via.set(pid, [...(via.get(pid) ?? []), { id: role.roleId, key: role.key }]);
          }
          const permissions = [];
          for (const [pid, roles] of via) {
            const p = await activePermission(store, pid).catch(() => undefined);
            if (!p) continue;
            permissions.push({ id: p.permissionId, key: p.key, name: p.name, ...(p.description !== undefined ? { description: p.description } : {}), ...(expandRoles ? { roles } : {}) });
          }
          return { code: 'OK', message: 'Success', permissions };
        },
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/organizations/:org_code/users/:user_id/permissions',
        scope: 'create:organization_user_permissions',
        summary: 'Add permission to organization user',
        operationId: 'createOrganizationUserPermission',
        params: OrgUserParam,
        body: z.object({ permission_id: z.string().min(1).max(100) }).strict(),
        handler: async ({ params, body, ctx }) => {
          await memberAccess(deps, params.org_code, params.user_id);
          await activePermission(store, body.permission_id);
          const r = await users.grantPermission(store, ctx, params.user_id, params.org_code, body.permission_id);
          await settle(deps, r.position);
          return success('Permission successfully added', 'OK');
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/organizations/:org_code/users/:user_id/permissions/:permission_id',
        scope: 'delete:organization_user_permissions',
        summary: 'Delete permission from organization user',
        operationId: 'deleteOrganizationUserPermission',
        params: z.object({ org_code: z.string().min(1), user_id: z.string().min(1), permission_id: z.string().min(1) }).strict(),
        handler: async ({ params, ctx }) => {
          const { access } = await memberAccess(deps, params.org_code, params.user_id);
          if (!access.permissionIds.includes(params.permission_id)) throw new HttpError('not_found', 'PERMISSION_NOT_FOUND', 'The user does not have this permission in this organization');
          const r = await users.revokePermission(store, ctx, params.user_id, params.org_code, params.permission_id);
          await settle(deps, r.position);
          return success('Permission successfully removed', 'OK');
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/organizations/:org_code/users/:user_id/mfa',
        scope: 'read:organization_user_mfa',
        summary: "Get an organization user's MFA configuration",
        operationId: 'getOrgUserMfa',
        params: OrgUserParam,
        handler: async ({ params }) => {
          const { view } = await memberAccess(deps, params.org_code, params.user_id);
          const [mfa] = kindeMfaFactors(view, (s) => s.type === 'organization' && s.orgCode === params.org_code);
          if (!mfa) throw new HttpError('not_found', 'MFA_FACTOR_NOT_FOUND', 'The user has no MFA factor in this organization');
          return { message: 'Success', code: 'OK', mfa };
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/organizations/:org_code/users/:user_id/mfa',
        scope: 'delete:organization_user_mfa',
        summary: 'Reset all organization MFA factors for a user',
        operationId: 'resetOrgUserMfaAll',
        params: OrgUserParam,
        handler: async ({ params, ctx }) => {
          await memberAccess(deps, params.org_code, params.user_id);
          return resetFactors(deps, params.user_id, { type: 'organization', orgCode: params.org_code }, undefined, ctx);
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/organizations/:org_code/users/:user_id/mfa/:factor_id',
        scope: 'delete:organization_user_mfa',
        summary: 'Reset a specific organization MFA factor for a user',
        operationId: 'resetOrgUserMfa',
        params: z.object({ org_code: z.string().min(1), user_id: z.string().min(1), factor_id: z.string().min(1) }).strict(),
        handler: async ({ params, ctx }) => {
          await memberAccess(deps, params.org_code, params.user_id);
          return resetFactors(deps, params.user_id, { type: 'organization', orgCode: params.org_code }, params.factor_id, ctx);
        },
      }),
    ]);
}
