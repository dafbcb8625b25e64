import type { z } from 'zod';
import { importEventSchemas, type ImportEvent } from './import/events';
import { businessSettingsEventSchemas, type BusinessSettingsEvent } from './business-settings/events';
import { organizationEventSchemas, type OrganizationEvent } from './organization/events';
import { permissionEventSchemas, type PermissionEvent } from './permission/events';
import { propertyEventSchemas, type PropertyEvent } from './property/events';
import { reservationEventSchemas, type ReservationEvent } from './reservation/events';
import { roleEventSchemas, type RoleEvent } from './role/events';
import { subscriberEventSchemas, type SubscriberEvent } from './subscriber/events';
import { userEventSchemas, type UserEvent } from './user/events';

/**
 * The whole event catalogue: every event type Roster stores, with its zod data
 * schema. Projections, webhooks and the audit log switch on `type` and may
 * `parseDomainEvent` to get typed data.
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

export type AnyDomainEvent =
  | UserEvent
  | OrganizationEvent
  | RoleEvent
  | PermissionEvent
  | SubscriberEvent
  | BusinessSettingsEvent
  | PropertyEvent
  | ReservationEvent
  | ImportEvent;

export type DomainEventType = keyof typeof eventSchemas;
export type EventDataOf<K extends DomainEventType> = z.infer<(typeof eventSchemas)[K]>;

export function isDomainEventType(type: string): type is DomainEventType {
  return Object.prototype.hasOwnProperty.call(eventSchemas, type);
}

/** Validates a stored event's data against the catalogue; throws on an unknown type or bad data. */
export function parseDomainEvent(event: { readonly type: string; readonly data: unknown }): AnyDomainEvent {
  if (!isDomainEventType(event.type)) throw new Error(`unknown event type ${event.type}`);
  const schema = eventSchemas[event.type] as z.ZodType;
  return { type: event.type, data: schema.parse(event.data) } as AnyDomainEvent;
}

export type { UserEvent } from './user/events';
export type { OrganizationEvent } from './organization/events';
export type { RoleEvent } from './role/events';
export type { PermissionEvent } from './permission/events';
export type { SubscriberEvent } from './subscriber/events';
export type { BusinessSettingsEvent } from './business-settings/events';
export type { PropertyEvent } from './property/events';
export type { ReservationEvent } from './reservation/events';
export type { ImportEvent } from './import/events';
