import { z } from 'zod';
import { type DomainEvent } from '../shared';

/** Property definitions (Kinde `GET|POST /properties`), stream `property-<key>`. */
export const PropertyContextSchema = z.enum(['usr', 'org', 'app']);
export const PropertyTypeSchema = z.enum(['single_line_text', 'multi_line_text']);
export const PropertyDefinedData = z.object({
  key: z.string().regex(/^[A-Za-z0-9_]{1,128}$/, 'property keys are letters, digits and underscores'),
  name: z.string().min(1).max(255),
  description: z.string().max(1000).optional(),
  type: PropertyTypeSchema,
  context: PropertyContextSchema,
  isPrivate: z.boolean(),
});
export const PropertyDefinitionUpdatedData = z.object({
  name: z.string().min(1).max(255).optional(),
  description: z.string().max(1000).nullable().optional(),
  isPrivate: z.boolean().optional(),
});
export const PropertyDefinitionDeletedData = z.object({});

export const propertyEventSchemas = {
  PropertyDefined: PropertyDefinedData,
  PropertyDefinitionUpdated: PropertyDefinitionUpdatedData,
  PropertyDefinitionDeleted: PropertyDefinitionDeletedData,
} as const;

type Schemas = typeof propertyEventSchemas;
export type PropertyEventType = keyof Schemas;
export type PropertyEvent = { [K in PropertyEventType]: DomainEvent<K, z.infer<Schemas[K]>> }[PropertyEventType];
