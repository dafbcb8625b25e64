import { z } from 'zod';
import { OrgCodeSchema, RoleIdSchema, type DomainEvent } from '../shared';

/**
 * The organization stream `organization-org_<hex>`. It never lists members (a
 * million-member organization must not be one stream): memberships live on the
 * user streams.
 */
export const OrganizationCreatedData = z.object({
  orgCode: OrgCodeSchema,
  name: z.string().min(1).max(255),
  /** Matches `external_organization_id` on import; unique per deployment. */
  externalId: z.string().min(1).max(255).optional(),
  /** The organization users join when none is specified. */
  isDefault: z.boolean(),
});
export const OrganizationUpdatedData = z.object({
  name: z.string().min(1).max(255).optional(),
  /** null removes the external id (and frees it). */
  externalId: z.string().min(1).max(255).nullable().optional(),
});
/** Roles assigned by default when users join the organization. */
export const OrganizationDefaultRolesSetData = z.object({ roleIds: z.array(RoleIdSchema) });
export const OrganizationPropertySetData = z.object({ key: z.string().min(1).max(255), value: z.string().max(10_000).nullable() });
export const OrganizationDeletedData = z.object({ externalId: z.string().optional() });

export const organizationEventSchemas = {
  OrganizationCreated: OrganizationCreatedData,
  OrganizationUpdated: OrganizationUpdatedData,
  OrganizationDefaultRolesSet: OrganizationDefaultRolesSetData,
  OrganizationPropertySet: OrganizationPropertySetData,
  OrganizationDeleted: OrganizationDeletedData,
} as const;

type Schemas = typeof organizationEventSchemas;
export type OrganizationEventType = keyof Schemas;
export type OrganizationEvent = { [K in OrganizationEventType]: DomainEvent<K, z.infer<Schemas[K]>> }[OrganizationEventType];
