import type { Router } from 'express';
import { z } from 'zod';
import type { CommandContext } from '../../commands/context';
import * as users from '../../commands/users';
import type { Position } from '../../eventstore/types';
import { loadUserView } from '../../projections/time-travel/user-view';
import { endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';
import { HttpError } from '../errors';
import { permissionIdForKey, roleIdForKey } from '../views/keys';
import { activeOrganization } from '../views/streams';
import { OrgParam } from './organizations';

/** Kinde's organization users endpoints: add, update and remove members (with the roles and permissions Kinde's calls carry). */

export const OrgUserParam = z.object({ org_code: z.string().min(1).max(64), user_id: z.string().min(1).max(100) }).strict();

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

/** The member's access in the organization; 404 when the organization or the membership does not exist. */
export async function memberAccess(deps: ApiDeps, orgCode: string, userId: string) {
  await activeOrganization(deps.store, orgCode);
  const view = await loadUserView(deps.store, userId);
  const access = view.user.organizations[orgCode];
  if (!access) throw new HttpError('not_found', 'USER_NOT_IN_ORGANIZATION', 'The user is not a member of this organization');
  return { view, access };
}

/** POST/PATCH /api/v1/organizations/:org_code/users, DELETE /api/v1/organizations/:org_code/users/:user_id. */
export function organizationUserRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
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
    ]);
}
