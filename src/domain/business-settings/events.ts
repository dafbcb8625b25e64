import { z } from 'zod';
import { OrgCodeSchema, RoleIdSchema, type DomainEvent } from '../shared';

/** The single stream `business-settings`. */
export const BusinessSettingsSchema = z.object({
  termsUrl: z.string().max(2048).nullable(),
  privacyUrl: z.string().max(2048).nullable(),
  /** "Show a policy acceptance checkbox on sign up": explicit acceptance required at sign-up. */
  showPolicyAcceptance: z.boolean(),
  /** "Allow self-sign up" (on by default in Kinde). */
  allowSelfSignUp: z.boolean(),
  /** "Sync user profiles on sign in" (on by default). */
  syncProfilesOnSignIn: z.boolean(),
  /** "You can specify which organization users are added to, or else they are added to the default organization." */
  addUsersToDefaultOrganization: z.boolean(),
});
export type BusinessSettings = z.infer<typeof BusinessSettingsSchema>;

export const BusinessSettingsInitializedData = BusinessSettingsSchema.extend({ defaultOrgCode: OrgCodeSchema });
/** Only the settings that changed. */
export const BusinessSettingsUpdatedData = BusinessSettingsSchema.partial();
/** Roles with "assign to new users" on, kept here so a new user gets them without a read model. */
export const DefaultUserRoleAddedData = z.object({ roleId: RoleIdSchema });
export const DefaultUserRoleRemovedData = z.object({ roleId: RoleIdSchema });
/** Permissions with "add automatically to new roles" on, kept here so CreateRole needs no read model. */
export const DefaultRolePermissionAddedData = z.object({ permissionId: z.string().min(1) });
export const DefaultRolePermissionRemovedData = z.object({ permissionId: z.string().min(1) });

export const businessSettingsEventSchemas = {
  BusinessSettingsInitialized: BusinessSettingsInitializedData,
  BusinessSettingsUpdated: BusinessSettingsUpdatedData,
  DefaultUserRoleAdded: DefaultUserRoleAddedData,
  DefaultUserRoleRemoved: DefaultUserRoleRemovedData,
  DefaultRolePermissionAdded: DefaultRolePermissionAddedData,
  DefaultRolePermissionRemoved: DefaultRolePermissionRemovedData,
} as const;

type Schemas = typeof businessSettingsEventSchemas;
export type BusinessSettingsEventType = keyof Schemas;
export type BusinessSettingsEvent = { [K in BusinessSettingsEventType]: DomainEvent<K, z.infer<Schemas[K]>> }[BusinessSettingsEventType];
