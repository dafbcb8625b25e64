import { z } from 'zod';
import { KeySchema, PermissionIdSchema, type DomainEvent } from '../shared';

/** The permission stream `permission-<id>`. */
export const PermissionCreatedData = z.object({
  permissionId: PermissionIdSchema,
  key: KeySchema,
  name: z.string().min(1).max(255),
  description: z.string().max(1000).optional(),
  /** "Automatically added when a new role is created." */
  addToNewRoles: z.boolean(),
});
export const PermissionUpdatedData = z.object({
  key: KeySchema.optional(),
  name: z.string().min(1).max(255).optional(),
  description: z.string().max(1000).nullable().optional(),
  addToNewRoles: z.boolean().optional(),
});
/** Leaves every user and every role: read models and effective access drop it. */
export const PermissionDeletedData = z.object({ key: KeySchema });

export const permissionEventSchemas = {
  PermissionCreated: PermissionCreatedData,
  PermissionUpdated: PermissionUpdatedData,
  PermissionDeleted: PermissionDeletedData,
} as const;

type Schemas = typeof permissionEventSchemas;
export type PermissionEventType = keyof Schemas;
export type PermissionEvent = { [K in PermissionEventType]: DomainEvent<K, z.infer<Schemas[K]>> }[PermissionEventType];
