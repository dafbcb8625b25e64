import type { Router } from 'express';
import { z } from 'zod';
import * as users from '../../commands/users';
import type { IdentityInput } from '../../domain/user/identity';
import { endpoint, mount, settle, type ApiDeps, type EndpointRegistry } from '../api';
import { HttpError } from '../errors';
import { loadUserView } from '../../projections/time-travel/user-view';
import { kindeIdentity, opt } from '../views/user-stream';
import { toE164, UserIdParam } from './users';

const CreateIdentityBody = z
  .object({
    value: z.string().min(1).max(512),
    type: z.enum(['email', 'username', 'phone', 'enterprise', 'social']),
    phone_country_id: z.string().max(4).optional(),
    connection_id: z.string().max(255).optional(),
  })
  .strict();

/** Kinde's endpoints for a user's identities (one identity by id is in identities.ts). */
export function userIdentityRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
      endpoint({
        method: 'get',
        path: '/api/v1/users/:user_id/identities',
        scope: 'read:user_identities',
        summary: 'Get identities',
        operationId: 'getUserIdentities',
        params: UserIdParam,
        query: z.object({ starting_after: z.string().max(200).optional(), ending_before: z.string().max(200).optional() }).strip(),
        handler: async ({ params, query }) => {
          const view = await loadUserView(store, params.user_id);
          let list = view.user.identities;
          if (query.starting_after) list = list.slice(list.findIndex((i) => i.id === query.starting_after) + 1);
          if (query.ending_before) {
            const idx = list.findIndex((i) => i.id === query.ending_before);
            if (idx >= 0) list = list.slice(0, idx);
          }
          return { code: 'OK', message: 'Success', identities: list.map((i) => kindeIdentity(view, i)), has_more: false };
        },
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/users/:user_id/identities',
        scope: 'create:user_identities',
        summary: 'Create identity',
        operationId: 'createUserIdentity',
        status: 201,
        params: UserIdParam,
        body: CreateIdentityBody,
        handler: async ({ params, body, ctx }) => {
          await loadUserView(store, params.user_id);
          let input: IdentityInput;
          if (body.type === 'social' || body.type === 'enterprise') {
            if (!body.connection_id) throw new HttpError('invalid', 'INVALID_REQUEST', `connection_id is required for ${body.type} identities`);
            const type = body.type === 'social' ? `oauth2:${body.connection_id.toLowerCase()}` : `enterprise:${body.connection_id}`;
            input = { type, identity: body.value, provider: body.connection_id };
          } else {
            input = { type: body.type, identity: body.type === 'phone' ? toE164(body.value, body.phone_country_id) : body.value };
          }
          const result = await users.addIdentity(store, ctx, params.user_id, input);
          await settle(deps, result.position);
          const added = result.events.find((e) => e.type === 'IdentityAdded');
          const id = added && added.type === 'IdentityAdded' ? added.data.identity.id : (await loadUserView(store, params.user_id)).user.identities.find((i) => i.identity === input.identity)?.id;
          return { message: 'Success', code: 'OK', identity: { ...opt('id', id) } };
        },
      }),
    ]);
}
