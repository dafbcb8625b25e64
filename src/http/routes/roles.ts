import type { Router } from 'express';
import { z } from 'zod';
import * as roles from '../../commands/roles';
import type { Position } from '../../eventstore/types';
import { endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';
import { HttpError } from '../errors';
import { activePermission, activeRole } from '../views/streams';

/** Kinde's Roles and Permissions endpoints (single items and writes; lists are in lists.ts). */
const RoleParam = z.object({ role_id: z.string().min(1).max(100) }).strict();
const PermissionParam = z.object({ permission_id: z.string().min(1).max(100) }).strict();
const Key = z.string().trim().min(1).max(255);

const CreateRoleBody = z
  .object({
    name: z.string().trim().min(1).max(255),
    description: z.string().max(1000).optional(),
    key: Key,
    is_default_role: z.boolean().optional(),
    assignment_permission_id: z.string().max(100).nullable().optional(),
  })
  .strict();
const UpdateRoleBody = z
  .object({
    name: z.string().trim().min(1).max(255),
    description: z.string().max(1000).optional(),
    key: Key,
    is_default_role: z.boolean().optional(),
    assignment_permission_id: z.string().max(100).nullable().optional(),
  })
  .strict();
const UpdateRolePermissionsBody = z.object({ permissions: z.array(z.object({ id: z.string().min(1).max(100), operation: z.string().max(20).optional() }).strict()).max(500) }).strict();
const PermissionBody = z.object({ name: z.string().trim().min(1).max(255).optional(), description: z.string().max(1000).optional(), key: Key.optional() }).strict();

export function roleRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
      endpoint({
        method: 'post',
        path: '/api/v1/roles',
        scope: 'create:roles',
        summary: 'Create role',
        operationId: 'createRole',
        status: 201,
        body: CreateRoleBody,
        handler: async ({ body, ctx }) => {
          const result = await roles.createRole(store, ctx, {
            key: body.key,
            name: body.name,
            ...(body.description !== undefined ? { description: body.description } : {}),
            ...(body.is_default_role !== undefined ? { assignToNewUsers: body.is_default_role } : {}),
          });
          await settle(deps, result.position);
          return { code: 'ROLE_CREATED', message: 'Role successfully created', role: { id: result.roleId } };
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/roles/:role_id',
        scope: 'read:roles',
        summary: 'Get role',
        operationId: 'getRole',
        params: RoleParam,
        handler: async ({ params }) => {
          const r = await activeRole(store, params.role_id);
          return {
            code: 'OK',
            message: 'Success',
            role: { id: r.roleId, key: r.key, name: r.name, ...(r.description !== undefined ? { description: r.description } : {}), is_default_role: r.assignToNewUsers },
          };
        },
      }),
      endpoint({
        method: 'patch',
        path: '/api/v1/roles/:role_id',
        scope: 'update:roles',
        summary: 'Update role',
        operationId: 'updateRoles',
        status: 201,
        params: RoleParam,
        body: UpdateRoleBody,
        handler: async ({ params, body, ctx }) => {
          const current = await activeRole(store, params.role_id);
          const result = await roles.updateRole(store, ctx, params.role_id, {
            ...(body.key !== current.key ? { key: body.key } : {}),
            ...(body.name !== current.name ? { name: body.name } : {}),
            ...(body.description !== undefined ? { description: body.description === '' ? null : body.description } : {}),
            ...(body.is_default_role !== undefined ? { assignToNewUsers: body.is_default_role } : {}),
          });
          await settle(deps, result.position);
          return success('Role successfully updated', 'ROLE_UPDATED');
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/roles/:role_id',
        scope: 'delete:roles',
        summary: 'Delete role',
        operationId: 'deleteRole',
        params: RoleParam,
        handler: async ({ params, ctx }) => {
          await activeRole(store, params.role_id);
          const result = await roles.deleteRole(store, ctx, params.role_id);
          await settle(deps, result.position);
          return success('Role successfully deleted', 'ROLE_DELETED');
        },
      }),
      endpoint({
        method: 'patch',
        path: '/api/v1/roles/:role_id/permissions',
        scope: 'update:role_permissions',
        summary: 'Update role permissions',
        operationId: 'updateRolePermissions',
        params: RoleParam,
        body: UpdateRolePermissionsBody,
        handler: async ({ params, body, ctx }) => {
          await activeRole(store, params.role_id);
          for (const p of body.permissions) {
            if (p.operation !== undefined && p.operation !== 'delete') throw new HttpError('invalid', 'INVALID_REQUEST', `permissions: unknown operation "${p.operation}"`);
            if (p.operation !== 'delete') await activePermission(store, p.id);
          }
          const added: string[] = [];
          const removed: string[] = [];
          const positions: (Position | null)[] = [];
          for (const p of body.permissions) {
            if (p.operation === 'delete') {
              positions.push((await roles.removePermissionFromRole(store, ctx, params.role_id, p.id)).position);
              removed.push(p.id);
            } else {
              positions.push((await roles.addPermissionToRole(store, ctx, params.role_id, p.id)).position);
              added.push(p.id);
            }
          }
          await settle(deps, ...positions);
          return { code: 'OK', message: 'Permissions successfully updated', permissions_added: added, permissions_removed: removed };
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/roles/:role_id/permissions/:permission_id',
        scope: 'delete:role_permissions',
        summary: 'Remove role permission',
        operationId: 'removeRolePermission',
        params: z.object({ role_id: z.string().min(1), permission_id: z.string().min(1) }).strict(),
        handler: async ({ params, ctx }) => {
          const role = await activeRole(store, params.role_id);
          if (!role.permissionIds.includes(params.permission_id)) throw new HttpError('not_found', 'PERMISSION_NOT_FOUND', 'The role does not have this permission');
          const result = await roles.removePermissionFromRole(store, ctx, params.role_id, params.permission_id);
          await settle(deps, result.position);
          return success('Permission successfully removed from role', 'PERMISSION_REMOVED');
        },
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/permissions',
        scope: 'create:permissions',
        summary: 'Create permission',
        operationId: 'createPermission',
        status: 201,
        body: PermissionBody.extend({ name: z.string().trim().min(1).max(255), key: Key }).strict(),
        handler: async ({ body, ctx }) => {
          const result = await roles.createPermission(store, ctx, {
            key: body.key,
            name: body.name,
            ...(body.description !== undefined ? { description: body.description } : {}),
          });
          await settle(deps, result.position);
          return { code: 'PERMISSION_CREATED', message: 'Permission successfully created', permission: { id: result.permissionId } };
        },
      }),
      endpoint({
        method: 'patch',
        path: '/api/v1/permissions/:permission_id',
        scope: 'update:permissions',
        summary: 'Update permission',
        operationId: 'updatePermissions',
        params: PermissionParam,
        body: PermissionBody,
        handler: async ({ params, body, ctx }) => {
          const current = await activePermission(store, params.permission_id);
          const result = await roles.updatePermission(store, ctx, params.permission_id, {
            ...(body.key !== undefined && body.key !== current.key ? { key: body.key } : {}),
            ...(body.name !== undefined && body.name !== current.name ? { name: body.name } : {}),
            ...(body.description !== undefined ? { description: body.description === '' ? null : body.description } : {}),
          });
          await settle(deps, result.position);
          return success('Permission successfully updated', 'PERMISSION_UPDATED');
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/permissions/:permission_id',
        scope: 'delete:permissions',
        summary: 'Delete permission',
        operationId: 'deletePermission',
        params: PermissionParam,
        handler: async ({ params, ctx }) => {
          await activePermission(store, params.permission_id);
          const result = await roles.deletePermission(store, ctx, params.permission_id);
          await settle(deps, result.position);
          return success('Permission successfully deleted', 'PERMISSION_DELETED');
        },
      }),
    ]);
}
