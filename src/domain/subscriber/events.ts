import { z } from 'zod';
import { OrgCodeSchema, UserIdSchema, type DomainEvent } from '../shared';

/** The subscriber stream `subscriber-<id>`; its email is reserved in `subscriber_email-<lowercased>`. */
export const SubscriberAddedData = z.object({
  subscriberId: z.string().min(1),
  email: z.string().min(3).max(320),
  firstName: z.string().max(255).optional(),
  lastName: z.string().max(255).optional(),
});
/** "The contact will now appear on the All users list, but will also remain a subscriber." */
export const SubscriberConvertedToUserData = z.object({ userId: UserIdSchema, orgCode: OrgCodeSchema });
/** Permanently removed from the subscriber list (also when the user's profile is deleted). */
export const SubscriberDeletedData = z.object({ email: z.string() });

export const subscriberEventSchemas = {
  SubscriberAdded: SubscriberAddedData,
  SubscriberConvertedToUser: SubscriberConvertedToUserData,
  SubscriberDeleted: SubscriberDeletedData,
} as const;

type Schemas = typeof subscriberEventSchemas;
export type SubscriberEventType = keyof Schemas;
export type SubscriberEvent = { [K in SubscriberEventType]: DomainEvent<K, z.infer<Schemas[K]>> }[SubscriberEventType];
