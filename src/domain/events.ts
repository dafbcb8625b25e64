import { importEventSchemas } from './import/events';
import { businessSettingsEventSchemas } from './business-settings/events';
import { organizationEventSchemas } from './organization/events';
import { permissionEventSchemas } from './permission/events';
import { propertyEventSchemas } from './property/events';
import { reservationEventSchemas } from './reservation/events';
import { roleEventSchemas } from './role/events';
import { subscriberEventSchemas } from './subscriber/events';
import { userEventSchemas } from './user/events';

/**
 * The whole event catalogue: every event type Roster stores, with its zod data
 * schema. Projections, webhooks and the audit log switch on `type`.
 */
export const eventSchemas = {
  ...userEventSchemas,
  ...organizationEventSchemas,
  ...roleEventSchemas,
  ...permissionEventSchemas,
  ...subscriberEventSchemas,
  ...businessSettingsEventSchemas,
  ...propertyEventSchemas,
  ...reservationEventSchemas,
  ...importEventSchemas,
} as const;

export type DomainEventType = keyof typeof eventSchemas;

export function isDomainEventType(type: string): type is DomainEventType {
  return Object.prototype.hasOwnProperty.call(eventSchemas, type);
}
