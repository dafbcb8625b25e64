import { z } from 'zod';
import { KeySchema, PermissionIdSchema, RoleIdSchema, type DomainEvent } from '../shared';

/** The role stream `role-<id>`. Users reference roles by id, so a re-created key never revives old grants. */
export const RoleCreatedData = z.object({
  roleId: RoleIdSchema,
  key: KeySchema,
  name: z.string().min(1).max(255),
  description: z.string().max(1000).optional(),
  /** "Assign to new users": applied to every user created after this. */
  assignToNewUsers: z.boolean(),
  permissionIds: z.array(PermissionIdSchema),
});
export const RoleUpdatedData = z.object({
  key: KeySchema.optional(),
  name: z.string().min(1).max(255).optional(),
  description: z.string().max(1000).nullable().optional(),
  assignToNewUsers: z.boolean().optional(),
});
/** The role (and what it granted) leaves every user who had it: read models and effective access drop it. */
export const RoleDeletedData = z.object({ key: KeySchema });
export const PermissionAddedToRoleData = z.object({ permissionId: PermissionIdSchema });
export const PermissionRemovedFromRoleData = z.object({ permissionId: PermissionIdSchema });

export const roleEventSchemas = {
  RoleCreated: RoleCreatedData,
  RoleUpdated: RoleUpdatedData,
  RoleDeleted: RoleDeletedData,
  PermissionAddedToRole: PermissionAddedToRoleData,
  PermissionRemovedFromRole: PermissionRemovedFromRoleData,
} as const;

type Schemas = typeof roleEventSchemas;
export type RoleEventType = keyof Schemas;
export type RoleEvent = { [K in RoleEventType]: DomainEvent<K, z.infer<Schemas[K]>> }[RoleEventType];
