import { z } from 'zod';
import { type DomainEvent } from '../shared';

/**
 * Reservation streams enforce uniqueness per deployment: `email-<lowercased>`,
 * `username-<lowercased>`, `phone-<E.164>`, `provided_id-<id>`,
 * `org_external_id-<id>`, `role_key-<key>`, `permission_key-<key>`,
 * `subscriber_email-<lowercased>`. Claimed in the same append as the event that
 * needs them, with the stream's expected revision, so two concurrent claims
 * cannot both win.
 */
export const RESERVATION_KINDS = [
  'email',
  'username',
  'phone',
  'provided_id',
  'org_external_id',
  'role_key',
  'permission_key',
  'subscriber_email',
  // A social (`oauth2:<provider>`) or enterprise (`enterprise:<connection>`) identity: `<type>|<subject>`.
  'social_identity',
  'enterprise_identity',
] as const;
export const ReservationKindSchema = z.enum(RESERVATION_KINDS);
export type ReservationKind = z.infer<typeof ReservationKindSchema>;

export const ReservationClaimedData = z.object({
  kind: ReservationKindSchema,
  /** The normalized value (lowercased email/username; exact keys). */
  value: z.string().min(1),
  /** The owning aggregate's id: user id, org code, role id, permission id or subscriber id. */
  ownerId: z.string().min(1),
});
export const ReservationReleasedData = z.object({ ownerId: z.string().min(1) });

export const reservationEventSchemas = {
  ReservationClaimed: ReservationClaimedData,
  ReservationReleased: ReservationReleasedData,
} as const;

type Schemas = typeof reservationEventSchemas;
export type ReservationEventType = keyof Schemas;
export type ReservationEvent = { [K in ReservationEventType]: DomainEvent<K, z.infer<Schemas[K]>> }[ReservationEventType];
