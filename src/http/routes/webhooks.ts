import type { Knex } from 'knex';
import type { ConfigRow as OutboxConfigRow } from '../../webhooks/outbox-configs';
import { decodeToken, encodeToken } from '../../projections/support';
import type { Router } from 'express';
import { z } from 'zod';
import { recordAdminEvent } from '../../commands/admin-events';
import * as webhooks from '../../commands/webhooks';
import { adminStreams } from '../../domain/admin/events';
import { eventTypeName, eventTypeOrigin, WEBHOOK_EVENT_TYPES } from '../../domain/webhook/event-types';
import { WebhookIdSchema } from '../../domain/webhook/events';
import { WEBHOOK_CONFIGS_VIEW } from '../../webhooks/outbox-projection';
import type { Resolver } from '../../net/endpoint-policy';
import { endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';
import { HttpError } from '../errors';

/**
 * Kinde's webhook endpoints (GET|POST /api/v1/webhooks, PATCH|DELETE
 * /api/v1/webhooks/{webhook_id}, GET /api/v1/event_types, GET
 * /api/v1/events/{event_id}), plus Roster's delivery log and manual retry.
 * Roster adds `include_imported_users` (opt in to user events of imports, source
 * `import`) and, on the list, `status` (`active` or `failing`).
 */
export interface WebhookRouteDeps extends ApiDeps {
  /** config.webhooks.allowedHosts */
  readonly allowedHosts?: readonly string[];
  /** Host name resolution for the endpoint check (tests inject one). */
  readonly resolve?: Resolver;
  /** The dispatcher of this process, poked after a manual retry (optional). */
  readonly dispatcher?: { poke(): void };
}

const WebhookIdParam = z.object({ webhook_id: WebhookIdSchema }).strict();
const DeliveryParams = z.object({ webhook_id: WebhookIdSchema, delivery_id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict();

const EventTypes = z.array(z.string().min(1).max(100)).min(1).max(100);
const CreateBody = z
  .object({
    endpoint: z.string().min(1).max(2048),
    event_types: EventTypes,
    name: z.string().min(1).max(255),
    description: z.string().max(1000).nullable().optional(),
    include_imported_users: z.boolean().optional(),
  })
  .strict();
const UpdateBody = z
  .object({
    // Roster's addition: Kinde's PATCH cannot change the endpoint.
    endpoint: z.string().min(1).max(2048).optional(),
    event_types: EventTypes.optional(),
    name: z.string().min(1).max(255).optional(),
    description: z.string().max(1000).nullable().optional(),
    include_imported_users: z.boolean().optional(),
  })
  .strict();
const DeliveriesQuery = z
  .object({
    state: z.enum(['pending', 'delivered', 'failed', 'cancelled']).optional(),
    page_size: z.coerce.number().int().min(1).max(500).default(50),
    next_token: z.string().max(200).optional(),
  })
  .strict();

type ConfigRow = Omit<OutboxConfigRow, 'deleted'> & { marked_failing_at: Date | null };

const webhookView = (r: ConfigRow) => ({
  id: r.webhook_id,
  name: r.name,
  endpoint: r.endpoint,
  description: r.description ?? undefined,
  event_types: r.event_types,
  created_on: r.created_on,
  include_imported_users: r.include_imported_users,
  status: r.marked_failing_at ? 'failing' : 'active',
});

interface DeliveryRow {
  id: number;
  webhook_id: string;
  event_id: string;
  event_type: string;
  state: string;
  attempts: number;
  next_attempt_at: Date | null;
  first_attempt_at: Date | null;
  last_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
}

interface AttemptRow {
  delivery_id: number;
  attempt: number;
  attempted_at: Date;
  outcome: string;
  status_code: number | null;
  latency_ms: number | null;
  error: string | null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function webhookRoutes(deps: WebhookRouteDeps, registry?: EndpointRegistry) {
  const { knex } = deps;
  const cmd = { store: deps.store, allowedHosts: deps.allowedHosts, resolve: deps.resolve };

  const configs = () => knex(`${WEBHOOK_CONFIGS_VIEW} as c`).leftJoin('webhook_health as h', 'h.webhook_id', 'c.webhook_id').where('c.deleted', false).select('c.*', 'h.marked_failing_at');

  async function requireWebhook(webhookId: string): Promise<void> {
    const state = await webhooks.loadWebhook(deps.store, webhookId);
    if (state.status !== 'active') throw new HttpError('not_found', 'WEBHOOK_NOT_FOUND', 'webhook not found');
  }

  async function deliveryView(ids: readonly number[], db: Knex | Knex.Transaction = knex) {
    if (ids.length === 0) return [];
    const rows: DeliveryRow[] = await db('webhook_deliveries as d')
      .join('webhook_events as e', 'e.event_id', 'd.event_id')
      .whereIn('d.id', ids)
      .orderBy('d.id', 'desc')
      .select('d.*', 'e.type as event_type');
    const attempts = await db<AttemptRow>('webhook_delivery_attempts').whereIn('delivery_id', ids).orderBy('id', 'asc').select('*');
    return rows.map((d) => ({
      id: String(d.id),
      webhook_id: d.webhook_id,
      event_id: d.event_id,
      event_type: d.event_type,
      state: d.state,
      attempt_count: d.attempts,
      next_attempt_on: d.state === 'pending' ? iso(d.next_attempt_at) : null,
      first_attempt_on: iso(d.first_attempt_at),
      last_attempt_on: iso(d.last_attempt_at),
      last_status: d.last_status,
      last_error: d.last_error,
      delivered_on: iso(d.delivered_at),
      created_on: iso(d.created_at),
      attempts: attempts
        .filter((a) => a.delivery_id === d.id)
        .map((a) => ({ attempt: a.attempt, attempted_on: iso(a.attempted_at), outcome: a.outcome, status_code: a.status_code, latency_ms: a.latency_ms, error: a.error })),
    }));
  }

  return (router: Router) =>
    mount(router, deps, registry, [
      endpoint({
        method: 'get',
        path: '/api/v1/webhooks',
        scope: 'read:webhooks',
        summary: 'List webhooks',
        operationId: 'getWebHooks',
        handler: async () => ({ ...success(), webhooks: ((await configs().orderBy('c.created_on', 'asc')) as ConfigRow[]).map(webhookView) }),
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/webhooks',
        scope: 'create:webhooks',
        summary: 'Create a webhook',
        operationId: 'createWebHook',
        body: CreateBody,
        handler: async ({ body, ctx }) => {
          const r = await webhooks.createWebhook(
            cmd,
            {
              name: body.name,
              endpoint: body.endpoint,
              eventTypes: body.event_types,
              description: body.description ?? null,
              includeImportedUsers: body.include_imported_users ?? false,
            },
            ctx,
          );
          await settle(deps, r.position);
          return { ...success('Webhook created'), webhook: { id: r.webhookId, endpoint: body.endpoint } };
        },
      }),
      endpoint({
        method: 'patch',
        path: '/api/v1/webhooks/:webhook_id',
        scope: 'update:webhooks',
        summary: 'Update a webhook',
        operationId: 'updateWebHook',
        params: WebhookIdParam,
        body: UpdateBody,
        handler: async ({ params, body, ctx }) => {
          const r = await webhooks.updateWebhook(
            cmd,
            params.webhook_id,
            {
              ...(body.name !== undefined ? { name: body.name } : {}),
              ...(body.endpoint !== undefined ? { endpoint: body.endpoint } : {}),
              ...(body.event_types !== undefined ? { eventTypes: body.event_types } : {}),
              ...(body.description !== undefined ? { description: body.description } : {}),
              ...(body.include_imported_users !== undefined ? { includeImportedUsers: body.include_imported_users } : {}),
            },
            ctx,
          );
          await settle(deps, r.position);
          return { ...success('Webhook updated'), webhook: { id: params.webhook_id } };
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/webhooks/:webhook_id',
        scope: 'delete:webhooks',
        summary: 'Delete a webhook',
        operationId: 'deleteWebHook',
        params: WebhookIdParam,
        handler: async ({ params, ctx }) => {
          const r = await webhooks.deleteWebhook(cmd, params.webhook_id, ctx);
          await settle(deps, r.position);
          return success('Webhook deleted');
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/event_types',
        scope: 'read:event_types',
        summary: 'List the event types webhooks can subscribe to',
        operationId: 'getEventTypes',
        handler: () => ({
          ...success(),
          event_types: WEBHOOK_EVENT_TYPES.map((code) => ({ id: code, code, name: eventTypeName(code), origin: eventTypeOrigin(code), schema: {} })),
        }),
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/events/:event_id',
        scope: 'read:events',
        summary: 'Get an event as webhooks receive it',
        operationId: 'getEvent',
        params: z.object({ event_id: z.string().min(1).max(100) }).strict(),
        handler: async ({ params }) => {
          const row: { payload: unknown } | undefined = await knex('webhook_events').where({ event_id: params.event_id }).first('payload');
          if (!row) throw new HttpError('not_found', 'EVENT_NOT_FOUND', 'event not found');
          return { ...success(), event: row.payload };
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/webhooks/:webhook_id/deliveries',
        scope: 'read:webhooks',
        summary: "A webhook's deliveries, newest first, with every attempt (status, latency, error)",
        operationId: 'getWebHookDeliveries',
        params: WebhookIdParam,
        query: DeliveriesQuery,
        handler: async ({ params, query }) => {
          await requireWebhook(params.webhook_id);
          const cursor = decodeToken(query.next_token, 1);
          const before = cursor ? Number(cursor[0]) : undefined;
          if (before !== undefined && !Number.isSafeInteger(before)) throw new HttpError('invalid', 'INVALID_NEXT_TOKEN', 'next_token is not valid');
          const q = knex('webhook_deliveries').where({ webhook_id: params.webhook_id });
          if (query.state) q.andWhere({ state: query.state });
          if (before !== undefined) q.andWhere('id', '<', before);
          const ids = (await q
            .orderBy('id', 'desc')
            .limit(query.page_size + 1)
            .pluck('id')) as number[];
          const page = ids.slice(0, query.page_size);
          const more = ids.length > query.page_size;
          return { ...success(), deliveries: await deliveryView(page), ...(more ? { next_token: encodeToken([page[page.length - 1]]) } : {}) };
        },
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/webhooks/:webhook_id/deliveries/:delivery_id/retry',
        scope: 'update:webhooks',
        summary: 'Send a delivery again now (a failed one gets a new retry period)',
        operationId: 'retryWebHookDelivery',
        params: DeliveryParams,
        handler: async ({ params, ctx }) => {
          await requireWebhook(params.webhook_id);
          // The answer is the delivery as queued: read in the update's transaction, before the dispatcher can claim it.
          const delivery = await knex.transaction(async (trx) => {
            const updated = await trx('webhook_deliveries')
              .where({ id: params.delivery_id, webhook_id: params.webhook_id })
              // A delivery waiting behind an earlier one of its stream keeps waiting (order per stream).
              .where((q) => {
                q.whereIn('state', ['failed', 'delivered']).orWhere((p) => {
                  p.where('state', 'pending').whereNot('next_attempt_at', 'infinity');
                });
              })
              .update({ state: 'pending', next_attempt_at: knex.fn.now(), first_attempt_at: null }, ['id']);
            if (updated.length === 0) {
              const exists: { state: string } | undefined = await trx('webhook_deliveries').where({ id: params.delivery_id, webhook_id: params.webhook_id }).first('state');
              if (!exists) throw new HttpError('not_found', 'DELIVERY_NOT_FOUND', 'delivery not found');
              throw new HttpError('invalid', 'DELIVERY_NOT_RETRYABLE', `this ${exists.state} delivery cannot be retried now (cancelled, or waiting for an earlier delivery of the same stream)`);
            }
            return (await deliveryView([params.delivery_id], trx))[0];
          });
          // Deliveries are outbox state, not events; the retry asked for is one (audit log).
          const position = await recordAdminEvent(
            deps.store,
            adminStreams.webhookRetries(),
            { type: 'WebhookDeliveryRetryRequested', data: { webhookId: params.webhook_id, deliveryId: params.delivery_id } },
            ctx,
          );
          deps.dispatcher?.poke();
          await settle(deps, position);
          return { ...success('Delivery queued'), delivery };
        },
      }),
    ]);
}
