import { readModels } from './projections';
import type { Projection } from './projections/projection';
import { webhookOutboxProjection } from './webhooks/outbox-projection';

/** What the projector runs: every read model, and the webhook outbox (it writes deliveries in the projector's transaction). */
export const allProjections: readonly Projection[] = [...readModels, webhookOutboxProjection];
