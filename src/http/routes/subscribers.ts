import type { Router } from 'express';
import { z } from 'zod';
import * as subscribers from '../../commands/subscribers';
import { endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';
import { activeSubscriber } from '../views/streams';

/** Kinde's Subscribers endpoints, plus Roster's delete and convert-to-user (the list is in lists.ts). */
const SubscriberParam = z.object({ subscriber_id: z.string().min(1).max(100) }).strict();

export function subscriberRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
      endpoint({
        method: 'post',
        path: '/api/v1/subscribers',
        scope: 'create:subscribers',
        summary: 'Create subscriber (Kinde passes the fields as query parameters)',
        operationId: 'createSubscriber',
        status: 201,
        query: z
          .object({
            first_name: z.string().max(255).optional(),
            last_name: z.string().max(255).optional(),
            email: z.string().trim().max(320).pipe(z.email()),
          })
          .strip(),
        handler: async ({ query, ctx }) => {
          const result = await subscribers.addSubscriber(store, ctx, {
            email: query.email,
            ...(query.first_name ? { firstName: query.first_name } : {}),
            ...(query.last_name ? { lastName: query.last_name } : {}),
          });
          await settle(deps, result.position);
          return { subscriber: { subscriber_id: result.subscriberId } };
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/subscribers/:subscriber_id',
        scope: 'read:subscribers',
        summary: 'Get subscriber',
        operationId: 'getSubscriber',
        params: SubscriberParam,
        handler: async ({ params }) => {
          const s = await activeSubscriber(store, params.subscriber_id);
          return {
            code: 'OK',
            message: 'Success',
            subscribers: [
              { id: s.subscriberId, preferred_email: s.email, ...(s.firstName !== undefined ? { first_name: s.firstName } : {}), ...(s.lastName !== undefined ? { last_name: s.lastName } : {}) },
            ],
          };
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/subscribers/:subscriber_id',
        scope: 'delete:subscribers',
        summary: 'Delete subscriber (Roster)',
        params: SubscriberParam,
        handler: async ({ params, ctx }) => {
          await activeSubscriber(store, params.subscriber_id);
          const result = await subscribers.deleteSubscriber(store, ctx, params.subscriber_id);
          await settle(deps, result.position);
          return success('Subscriber successfully deleted', 'SUBSCRIBER_DELETED');
        },
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/subscribers/:subscriber_id/convert',
        scope: 'update:subscribers',
        summary: 'Convert a subscriber to a user in exactly one organization (Roster)',
        params: SubscriberParam,
        body: z.object({ org_code: z.string().min(1).max(64) }).strict(),
        handler: async ({ params, body, ctx }) => {
          await activeSubscriber(store, params.subscriber_id);
          const { userId } = await subscribers.convertSubscriberToUser(store, ctx, params.subscriber_id, [body.org_code]);
          await settle(deps, await store.headPosition());
          return { code: 'SUBSCRIBER_CONVERTED', message: 'Subscriber converted to a user', user_id: userId };
        },
      }),
    ]);
}
