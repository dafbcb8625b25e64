import { z } from 'zod';
import type { DomainEvent } from '../shared';

/**
 * The webhook stream `webhook-<id>`: a webhook's configuration. Deliveries are not
 * events (they are operational state of the outbox, src/webhooks); the
 * configuration is, so "which webhooks would have received event X" can be
 * answered by replaying the feed.
 */

/** `webhook_` + hex, in the style of Kinde's ids. */
export const WebhookIdSchema = z.string().regex(/^webhook_[0-9a-f]{8,32}$/, 'webhook id must be webhook_ followed by hex');

/** Only http and https endpoints: no file:, data:, javascript: or other schemes. */
export const WebhookEndpointSchema = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0 && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  }, 'endpoint must be an http or https URL without credentials');

export const WebhookEventTypeKeySchema = z.string().regex(/^[a-z_]+\.[a-z_]+$/, 'event type keys look like user.created');

export const WebhookCreatedData = z.object({
  webhookId: WebhookIdSchema,
  name: z.string().min(1).max(255),
  endpoint: WebhookEndpointSchema,
  eventTypes: z.array(WebhookEventTypeKeySchema).min(1),
  description: z.string().max(1000).optional(),
  /** Roster's opt-in: also receive `user.created` / `user.updated` with source `import` for imported users. */
  includeImportedUsers: z.boolean(),
});
/** Only the fields that changed; description null clears it. `endpoint` is Roster's addition (Kinde's PATCH cannot move a webhook). */
export const WebhookUpdatedData = z.object({
  name: z.string().min(1).max(255).optional(),
  endpoint: WebhookEndpointSchema.optional(),
  eventTypes: z.array(WebhookEventTypeKeySchema).min(1).optional(),
  description: z.string().max(1000).nullable().optional(),
  includeImportedUsers: z.boolean().optional(),
});
export const WebhookDeletedData = z.object({});

export const webhookEventSchemas = {
  WebhookCreated: WebhookCreatedData,
  WebhookUpdated: WebhookUpdatedData,
  WebhookDeleted: WebhookDeletedData,
} as const;

type Schemas = typeof webhookEventSchemas;
export type WebhookEventType = keyof Schemas;
export type WebhookEvent = { [K in WebhookEventType]: DomainEvent<K, z.infer<Schemas[K]>> }[WebhookEventType];

export const webhookStream = (webhookId: string) => `webhook-${webhookId}`;

export function isWebhookEventType(type: string): type is WebhookEventType {
  return Object.prototype.hasOwnProperty.call(webhookEventSchemas, type);
}
