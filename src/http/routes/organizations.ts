import type { Router } from 'express';
import { z } from 'zod';
import type { CommandContext } from '../../commands/context';
import * as orgs from '../../commands/organizations';
import { loadBusinessSettings } from '../../commands/settings';
import * as users from '../../commands/users';
import { streams } from '../../domain/streams';
import type { Position } from '../../eventstore/types';
import { endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';
import { HttpError } from '../errors';
import { permissionIdForKey, roleIdForKey } from '../views/keys';
import { activeOrganization, activePermission, activeRole, definedProperty } from '../views/streams';
import { loadUserView } from '../../projections/time-travel/user-view';
import { kindeMfaFactors } from '../views/user-stream';
import { resetFactors } from './users';

/**
 * Kinde's Organizations endpoints: the organization itself, its members and
 * their roles, permissions and MFA, and organization properties. Lists live in
 * lists.ts (they read the read models).
 */
const OrgParam = z.object({ org_code: z.string().min(1).max(64) }).strict();
const OrgUserParam = z.object({ org_code: z.string().min(1).max(64), user_id: z.string().min(1).max(100) }).strict();

// Kinde's branding, theme and billing fields are accepted and ignored (Roster does not model them); other keys are stripped.
const CreateOrganizationBody = z
  .object({ name: z.string().trim().min(1).max(255), external_id: z.string().min(1).max(255).optional(), handle: z.string().max(255).optional() })
  .strip();
const UpdateOrganizationBody = z
  .object({ name: z.string().trim().min(1).max(255).optional(), external_id: z.string().max(255).optional() })
  .strip();

const MemberList = z
  .object({
    users: z
      .array(
        z
          .object({
            id: z.string().min(1).max(100),
            operation: z.string().max(20).optional(),
            roles: z.array(z.string().min(1).max(255)).max(100).optional(),
            permissions: z.array(z.string().min(1).max(255)).max(100).optional(),
          })
          .strict(),
      )
      .max(100),
  })
  .strict();

const PropertyValue = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]).transform((v) => (v === null ? null : String(v)));

async function orgCreatedOn(deps: ApiDeps, orgCode: string): Promise<string | undefined> {
  const [first] = await deps.store.readStream(streams.organization(orgCode));
  return first ? (first.metadata?.occurredAt ?? first.recordedAt.toISOString()) : undefined;
}

/** Membership plus the roles and permissions (by key) Kinde's add/update member calls carry. */
async function grantAccess(deps: ApiDeps, ctx: CommandContext, orgCode: string, userId: string, roleKeys: readonly string[], permissionKeys: readonly string[]): Promise<Position[]> {
  const positions: Position[] = [];
  const roleIds = await Promise.all(roleKeys.map((k) => roleIdForKey(deps.store, k)));
  const permissionIds = await Promise.all(permissionKeys.map((k) => permissionIdForKey(deps.store, k)));
  for (const roleId of roleIds) {
    const r = await users.assignRole(deps.store, ctx, userId, orgCode, roleId);
    if (r.position) positions.push(r.position);
  }
  for (const permissionId of permissionIds) {
    const r = await users.grantPermission(deps.store, ctx, userId, orgCode, permissionId);
    if (r.position) positions.push(r.position);
  }
  return positions;
}

async function memberAccess(deps: ApiDeps, orgCode: string, userId: string) {
  await activeOrganization(deps.store, orgCode);
  const view = await loadUserView(deps.store, userId);
  const access = view.user.organizations[orgCode];
  if (!access) throw new HttpError('not_found', 'USER_NOT_IN_ORGANIZATION', 'The user is not a member of this organization');
  return { view, access };
}

export function organizationRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
      endpoint({
        method: 'get',
        path: '/api/v1/organization',
        scope: 'read:organizations',
        summary: 'Get organization (the default organization when no code is given)',
        operationId: 'getOrganization',
        query: z.object({ code: z.string().max(64).optional(), expand: z.string().max(100).optional() }).strip(),
        handler: async ({ query }) => {
          const code = query.code ?? (await loadBusinessSettings(store)).defaultOrgCode;
          const org = await activeOrganization(store, code);
          const createdOn = await orgCreatedOn(deps, code);
          return {
            code: org.orgCode,
            name: org.name,
            handle: null,
            is_default: org.isDefault,
            external_id: org.externalId ?? null,
            is_auto_membership_enabled: false,
            ...(createdOn ? { created_on: createdOn } : {}),
            is_suspended: false,
          };
        },
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/organization',
        scope: 'create:organizations',
        summary: 'Create organization',
        operationId: 'createOrganization',
        body: CreateOrganizationBody,
        handler: async ({ body, ctx }) => {
          const result = await orgs.createOrganization(store, ctx, { name: body.name, ...(body.external_id ? { externalId: body.external_id } : {}) });
          await settle(deps, result.position);
          return { message: 'Success', code: 'OK', organization: { code: result.orgCode } };
        },
      }),
      endpoint({
        method: 'patch',
        path: '/api/v1/organization/:org_code',
        scope: 'update:organizations',
        summary: 'Update organization',
        operationId: 'updateOrganization',
        params: OrgParam,
        query: z.object({ expand: z.string().max(100).optional() }).strip(),
        body: UpdateOrganizationBody,
        handler: async ({ params, body, ctx }) => {
          await activeOrganization(store, params.org_code);
          const changes = {
            ...(body.name !== undefined ? { name: body.name } : {}),
            ...(body.external_id !== undefined ? { externalId: body.external_id === '' ? null : body.external_id } : {}),
          };
          const result = await orgs.updateOrganization(store, ctx, params.org_code, changes);
          await settle(deps, result.position);
          return success('Organization successfully updated', 'OK');
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/organization/:org_code',
        scope: 'delete:organizations',
        summary: 'Delete organization',
        operationId: 'deleteOrganization',
        params: OrgParam,
        handler: async ({ params, ctx }) => {
          await activeOrganization(store, params.org_code);
          const result = await orgs.deleteOrganization(store, ctx, params.org_code);
          await settle(deps, result.position);
          return success('Organization successfully deleted', 'OK');
        },
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/organizations/:org_code/users',
        scope: 'create:organization_users',
        summary: 'Add organization users',
        operationId: 'addOrganizationUsers',
        params: OrgParam,
        body: MemberList,
        handler: async ({ params, body, ctx }) => {
          await activeOrganization(store, params.org_code);
          // Check every user first, so a bad id changes nothing.
          for (const u of body.users) await loadUserView(store, u.id);
          const added: string[] = [];
          const positions: Position[] = [];
          for (const u of body.users) {
            const r = await users.addUserToOrganization(store, ctx, u.id, params.org_code);
            if (r.position) positions.push(r.position);
            positions.push(...(await grantAccess(deps, ctx, params.org_code, u.id, u.roles ?? [], u.permissions ?? [])));
            added.push(u.id);
          }
          await settle(deps, ...positions);
          return { code: 'OK', message: 'Users successfully added', users_added: added };
        },
      }),
      endpoint({
        method: 'patch',
        path: '/api/v1/organizations/:org_code/users',
        scope: 'update:organization_users',
        summary: 'Update organization users',
        operationId: 'updateOrganizationUsers',
        params: OrgParam,
        body: MemberList,
        handler: async ({ params, body, ctx }) => {
          await activeOrganization(store, params.org_code);
          const views = new Map<string, Awaited<ReturnType<typeof loadUserView>>>();
          for (const u of body.users) {
            if (u.operation !== undefined && u.operation !== 'delete') throw new HttpError('invalid', 'INVALID_REQUEST', `users: unknown operation "${u.operation}"`);
            views.set(u.id, await loadUserView(store, u.id));
          }
          const out = { users_added: [] as string[], users_updated: [] as string[], users_removed: [] as string[] };
          const positions: Position[] = [];
          for (const u of body.users) {
            const isMember = Boolean(views.get(u.id)!.user.organizations[params.org_code]);
            if (u.operation === 'delete') {
              const r = await users.removeUserFromOrganization(store, ctx, u.id, params.org_code);
              if (r.position) positions.push(r.position);
              out.users_removed.push(u.id);
              continue;
            }
            if (!isMember) {
              const r = await users.addUserToOrganization(store, ctx, u.id, params.org_code);
              if (r.position) positions.push(r.position);
            }
            positions.push(...(await grantAccess(deps, ctx, params.org_code, u.id, u.roles ?? [], u.permissions ?? [])));
            (isMember ? out.users_updated : out.users_added).push(u.id);
          }
          await settle(deps, ...positions);
          return { message: 'Users successfully updated', code: 'OK', ...out };
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/organizations/:org_code/users/:user_id',
        scope: 'delete:organization_users',
        summary: 'Remove organization user',
        operationId: 'removeOrganizationUser',
        params: OrgUserParam,
        handler: async ({ params, ctx }) => {
          await memberAccess(deps, params.org_code, params.user_id);
          const r = await users.removeUserFromOrganization(store, ctx, params.user_id, params.org_code);
          await settle(deps, r.position);
          return success('User successfully removed from organization', 'OK');
        },
      }),
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
          const expandRoles = (query.expand ?? '').split(',').map((s) => s.trim()).includes('roles');
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
      endpoint({
        method: 'get',
        path: '/api/v1/organizations/:org_code/properties',
        scope: 'read:organization_properties',
        summary: 'Get organization property values',
        operationId: 'getOrganizationPropertyValues',
        params: OrgParam,
        handler: async ({ params }) => {
          const org = await activeOrganization(store, params.org_code);
          const properties = [];
          for (const [key, value] of Object.entries(org.properties)) {
            const def = await definedProperty(store, key).catch(() => undefined);
            if (!def) continue;
            properties.push({ id: key, name: def.name, description: def.description ?? null, key, value });
          }
          return { code: 'OK', message: 'Success', properties };
        },
      }),
      endpoint({
        method: 'patch',
        path: '/api/v1/organizations/:org_code/properties',
        scope: 'update:organization_properties',
        summary: 'Update organization property values',
        operationId: 'updateOrganizationProperties',
        params: OrgParam,
        body: z.object({ properties: z.record(z.string().min(1).max(255), PropertyValue) }).strict(),
        handler: async ({ params, body, ctx }) => {
          await activeOrganization(store, params.org_code);
          for (const key of Object.keys(body.properties)) await orgProperty(deps, key);
          const positions: (Position | null)[] = [];
          for (const [key, value] of Object.entries(body.properties)) positions.push((await orgs.setOrganizationProperty(store, ctx, params.org_code, key, value)).position);
          await settle(deps, ...positions);
          return success('Properties successfully updated', 'OK');
        },
      }),
      endpoint({
        method: 'put',
        path: '/api/v1/organizations/:org_code/properties/:property_key',
        scope: 'update:organization_properties',
        summary: 'Update organization property value',
        operationId: 'updateOrganizationProperty',
        params: z.object({ org_code: z.string().min(1), property_key: z.string().min(1).max(255) }).strict(),
        query: z.object({ value: z.string().max(10_000) }).strip(),
        handler: async ({ params, query, ctx }) => {
          await activeOrganization(store, params.org_code);
          await orgProperty(deps, params.property_key);
          const r = await orgs.setOrganizationProperty(store, ctx, params.org_code, params.property_key, query.value);
          await settle(deps, r.position);
          return success('Property successfully updated', 'OK');
        },
      }),
    ]);
}

/** Organization properties must be defined with context `org`. */
async function orgProperty(deps: ApiDeps, key: string) {
  const def = await definedProperty(deps.store, key).catch(() => undefined);
  if (!def || def.context !== 'org') throw new HttpError('invalid', 'PROPERTY_NOT_FOUND', `No organization property with key "${key}"`);
  return def;
}
