import type { Router } from 'express';
import { z } from 'zod';
import * as properties from '../../commands/properties';
import { endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';
import { definedProperty } from '../views/streams';

/**
 * Kinde's property definitions (single items and writes; the list is in
 * lists.ts). A property's id is its key: the key names its stream and is unique.
 */
const PropertyParam = z.object({ property_id: z.string().min(1).max(128) }).strict();

const CreatePropertyBody = z
  .object({
    name: z.string().trim().min(1).max(255),
    description: z.string().max(1000).optional(),
    key: z.string().regex(/^[A-Za-z0-9_]{1,128}$/, 'property keys are letters, digits and underscores'),
    type: z.enum(['single_line_text', 'multi_line_text']),
    context: z.enum(['org', 'usr', 'app']),
    is_private: z.boolean(),
    // Kinde groups properties in categories; Roster accepts the id and does not use it.
    category_id: z.string().max(100).optional(),
  })
  .strict();
const UpdatePropertyBody = z
  .object({ name: z.string().trim().min(1).max(255), description: z.string().max(1000).optional(), is_private: z.boolean(), category_id: z.string().max(100).optional() })
  .strict();

export function propertyRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
      endpoint({
        method: 'post',
        path: '/api/v1/properties',
        scope: 'create:properties',
        summary: 'Create property',
        operationId: 'createProperty',
        status: 201,
        body: CreatePropertyBody,
        handler: async ({ body, ctx }) => {
          const result = await properties.defineProperty(store, ctx, {
            key: body.key,
            name: body.name,
            ...(body.description !== undefined ? { description: body.description } : {}),
            type: body.type,
            context: body.context,
            isPrivate: body.is_private,
          });
          await settle(deps, result.position);
          return { message: 'Property successfully created', code: 'PROPERTY_CREATED', property: { id: body.key } };
        },
      }),
      endpoint({
        method: 'put',
        path: '/api/v1/properties/:property_id',
        scope: 'update:properties',
        summary: 'Update property',
        operationId: 'updateProperty',
        params: PropertyParam,
        body: UpdatePropertyBody,
        handler: async ({ params, body, ctx }) => {
          await definedProperty(store, params.property_id);
          const result = await properties.updatePropertyDefinition(store, ctx, params.property_id, {
            name: body.name,
            description: body.description === undefined || body.description === '' ? null : body.description,
            isPrivate: body.is_private,
          });
          await settle(deps, result.position);
          return success('Property successfully updated', 'PROPERTY_UPDATED');
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/properties/:property_id',
        scope: 'delete:properties',
        summary: 'Delete property',
        operationId: 'deleteProperty',
        params: PropertyParam,
        handler: async ({ params, ctx }) => {
          await definedProperty(store, params.property_id);
          const result = await properties.deletePropertyDefinition(store, ctx, params.property_id);
          await settle(deps, result.position);
          return success('Property successfully deleted', 'PROPERTY_DELETED');
        },
      }),
    ]);
}
