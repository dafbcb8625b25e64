import type { Router } from 'express';
import { z } from 'zod';
import * as orgs from '../../commands/organizations';
import type { Position } from '../../eventstore/types';
import { endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';
import { HttpError } from '../errors';
import { activeOrganization, definedProperty } from '../views/streams';
import { OrgParam } from './organizations';

// Kinde sends property values as strings, numbers or booleans; they are stored as strings.
const PropertyValue = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]).transform((v) => (v === null ? null : String(v)));

/** Kinde's organization property values endpoints. */
export function organizationPropertyRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
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
