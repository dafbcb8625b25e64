import type { EventStore } from './eventstore/types';
import { readModels } from './projections';
import type { Projection } from './projections/projection';
import { createWebhookOutboxProjection } from './webhooks/outbox-projection';

/**
 * What the projector runs: every read model, and the webhook outbox (it writes
 * deliveries in the projector's transaction, and reads `store` to fold a user
 * a webhook receives for the first time).
 */
export const allProjections = (store: EventStore): readonly Projection[] => [...readModels, createWebhookOutboxProjection(store)];
