/**
 * Webhooks, wired by the composition root:
 * - `webhookOutboxProjection` in `allProjections` (src/all-projections.ts) (writes deliveries in the projector's transaction);
 * - `startWebhookDispatcher({ knex, logger, config, signer })` in `serve`, the signer loading keys through the key ring (stop it on shutdown);
 * - `webhookRoutes({ ...apiDeps, allowedHosts, dispatcher }, registry)` among the API routes.
 */
export { webhookOutboxProjection, createWebhookOutboxProjection, WEBHOOK_OUTBOX_PROJECTION } from './outbox-projection';
export { startWebhookDispatcher, backoffDelay, WEBHOOK_CONFIGS_VIEW, type WebhookDispatcher, type WebhookDispatcherDeps, type WebhookDispatcherOptions } from './dispatcher';
export { createWebhookSigner, signerFromKey, type WebhookSigner } from './signer';
export { toKindeEvent, webhookEventId, type KindeWebhookEvent } from './kinde-events';
