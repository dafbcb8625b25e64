import type { Router } from 'express';
import { z } from 'zod';
import * as users from '../../commands/users';
import { USER_IDENTITIES_VIEW } from '../../projections/users/queries';
import { endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';
import { HttpError } from '../errors';
import { loadUserView } from '../../projections/time-travel/user-view';
import { kindeIdentity } from '../views/user-stream';

/**
 * GET|PATCH|DELETE /api/v1/identities/{identity_id}. The identity's owner is
 * found through the users read model; the identity itself is then read from
 * the user's stream (current) and changed by commands on it.
 */
const IdentityParam = z.object({ identity_id: z.string().min(1).max(100) }).strict();

async function owner(deps: ApiDeps, identityId: string) {
  const row = (await deps.knex(USER_IDENTITIES_VIEW).select('parent_id').where('identity_id', identityId).first()) as { parent_id: string } | undefined;
  if (!row) throw new HttpError('not_found', 'IDENTITY_NOT_FOUND', 'Identity not found');
  const view = await loadUserView(deps.store, row.parent_id);
  const identity = view.user.identities.find((i) => i.id === identityId);
  if (!identity) throw new HttpError('not_found', 'IDENTITY_NOT_FOUND', 'Identity not found');
  return { view, identity };
}

export function identityRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
      endpoint({
        method: 'get',
        path: '/api/v1/identities/:identity_id',
        scope: 'read:identities',
        summary: 'Get identity',
        operationId: 'getIdentity',
        params: IdentityParam,
        handler: async ({ params }) => {
          const { view, identity } = await owner(deps, params.identity_id);
          return kindeIdentity(view, identity);
        },
      }),
      endpoint({
        method: 'patch',
        path: '/api/v1/identities/:identity_id',
        scope: 'update:identities',
        summary: 'Update identity (make it the primary one); identities are otherwise never edited',
        operationId: 'updateIdentity',
        params: IdentityParam,
        body: z.object({ is_primary: z.boolean().optional() }).strict(),
        handler: async ({ params, body, ctx }) => {
          const { view, identity } = await owner(deps, params.identity_id);
          if (body.is_primary === false && identity.isPrimary) {
            throw new HttpError('invalid', 'INVALID_REQUEST', 'Make another identity primary instead of unsetting this one');
          }
          if (body.is_primary === true) {
            const r = await users.makeIdentityPrimary(store, ctx, view.user.userId, identity.id);
            await settle(deps, r.position);
          }
          return success('Identity successfully updated', 'IDENTITY_UPDATED');
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/identities/:identity_id',
        scope: 'delete:identities',
        summary: 'Delete identity',
        operationId: 'deleteIdentity',
        params: IdentityParam,
        handler: async ({ params, ctx }) => {
          const { view, identity } = await owner(deps, params.identity_id);
          const r = await users.deleteIdentity(store, ctx, view.user.userId, identity.id);
          await settle(deps, r.position);
          return success('Identity successfully deleted', 'IDENTITY_DELETED');
        },
      }),
    ]);
}
