import type { Router } from 'express';
import { z } from 'zod';
import { loadState } from '../../commands/handle';
import * as users from '../../commands/users';
import { propertyDecider } from '../../domain/property/decider';
import { streams } from '../../domain/streams';
import { endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';
import { loadUserView } from '../../projections/time-travel/user-view';
import { UserIdParam } from './users';

/** Property values: strings, numbers and booleans are stored as text; null clears. */
const PropertyValue = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]).transform((v) => (v === null ? null : String(v)));
const UpdatePropertiesBody = z.object({ properties: z.record(z.string().min(1).max(255), PropertyValue) }).strict();

/** Kinde's endpoints for a user's property values and feature flag overrides. */
export function userPropertyRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
      endpoint({
        method: 'patch',
        path: '/api/v1/users/:user_id/feature_flags/:feature_flag_key',
        scope: 'update:user_feature_flags',
        summary: 'Update user feature flag override',
        operationId: 'updateUserFeatureFlagOverride',
        params: z.object({ user_id: z.string().min(1), feature_flag_key: z.string().min(1).max(255) }).strict(),
        query: z.object({ value: z.string().max(10_000) }).strip(),
        handler: async ({ params, query, ctx }) => {
          await loadUserView(store, params.user_id);
          const result = await users.setFeatureFlagOverride(store, ctx, params.user_id, params.feature_flag_key, query.value);
          await settle(deps, result.position);
          return success('Feature flag override successfully updated', 'FEATURE_FLAG_UPDATED');
        },
      }),
      endpoint({
        method: 'put',
        path: '/api/v1/users/:user_id/properties/:property_key',
        scope: 'update:user_properties',
        summary: 'Update property value',
        operationId: 'updateUserProperty',
        params: z.object({ user_id: z.string().min(1), property_key: z.string().min(1).max(255) }).strict(),
        query: z.object({ value: z.string().max(10_000) }).strip(),
        handler: async ({ params, query, ctx }) => {
          await loadUserView(store, params.user_id);
          const result = await users.setUserProperty(store, ctx, params.user_id, params.property_key, query.value);
          await settle(deps, result.position);
          return success('Property successfully updated', 'PROPERTY_UPDATED');
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/users/:user_id/properties',
        scope: 'read:user_properties',
        summary: 'Get property values',
        operationId: 'getUserPropertyValues',
        params: UserIdParam,
        handler: async ({ params }) => {
          const view = await loadUserView(store, params.user_id);
          // The user's values, each with its definition (property streams are keyed by the property key, which is also its id).
          const properties = [];
          for (const [key, value] of Object.entries(view.user.properties)) {
            const { state } = await loadState(store, streams.property(key), propertyDecider);
            if (state.status !== 'defined') continue;
            properties.push({ id: key, name: state.name, description: state.description ?? null, key, value });
          }
          return { code: 'OK', message: 'Success', properties };
        },
      }),
      endpoint({
        method: 'patch',
        path: '/api/v1/users/:user_id/properties',
        scope: 'update:user_properties',
        summary: 'Update property values',
        operationId: 'updateUserProperties',
        params: UserIdParam,
        body: UpdatePropertiesBody,
        handler: async ({ params, body, ctx }) => {
          await loadUserView(store, params.user_id);
          const positions = [];
          for (const [key, value] of Object.entries(body.properties)) {
            positions.push((await users.setUserProperty(store, ctx, params.user_id, key, value)).position);
          }
          await settle(deps, ...positions);
          return success('Properties successfully updated', 'PROPERTIES_UPDATED');
        },
      }),
    ]);
}
