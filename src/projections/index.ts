import type { Projection } from './projection';
import { auditProjection } from './audit/projection';
import { roleGrantsProjection } from './role-grants/projection';
import { importsProjection } from './imports/projection';
import { businessSettingsProjection } from './business-settings/projection';
import { organizationsProjection } from './organizations/projection';
import { permissionsProjection } from './permissions/projection';
import { propertiesProjection } from './properties/projection';
import { rolesProjection } from './roles/projection';
import { subscribersProjection } from './subscribers/projection';
import { usersProjection } from './users/projection';
import { userImportsProjection } from './user-imports/projection';

/**
 * Every read model Roster maintains. The projector runs these and the webhook
 * outbox (src/all-projections.ts): webhooks sit beside projections, so this
 * layer does not import them.
 */
export const readModels: readonly Projection[] = [
  usersProjection,
  organizationsProjection,
  rolesProjection,
  permissionsProjection,
  subscribersProjection,
  propertiesProjection,
  businessSettingsProjection,
  importsProjection,
  auditProjection,
  roleGrantsProjection,
  userImportsProjection,
];
