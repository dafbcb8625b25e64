import { webhookDecider, WebhookError, type WebhookCommand, type WebhookState } from '../domain/webhook/decider';
import { webhookEventSchemas, webhookStream, type WebhookEvent } from '../domain/webhook/events';
import { deterministicUuid } from '../eventstore/ids';
import { isWrongExpectedRevision, type EventData, type EventStore, type Position } from '../eventstore/types';
import { ALLOW_HINT, checkEndpoint, parseAllowList, systemResolver, untilAborted, type EndpointCheck, type Resolver } from '../net/endpoint-policy';
import { metadataFor, type CommandContext } from './context';
import { foldRecorded } from './handle';

/**
 * Webhook configuration commands. The webhook events are not in the domain
 * catalogue (src/domain/events.ts belongs to the user-management aggregates), so
 * these handlers stamp and validate them here, the same way handleCommand does:
 * read, fold, decide, append with the expected revision, deterministic event ids,
 * bounded retry on a concurrency conflict.
 */
export interface WebhookCommandDeps {
  readonly store: EventStore;
  /** config.webhooks.allowedHosts: hosts and networks allowed although they are local. */
  readonly allowedHosts?: readonly string[];
  /** Host name resolution for the endpoint check (default: the system resolver). */
  readonly resolve?: Resolver;
}

export interface WebhookCommandResult {
  readonly webhookId: string;
  readonly events: readonly WebhookEvent[];
  readonly position: Position | null;
  readonly state: WebhookState;
}

/**
 * Refuses an endpoint whose host is, or resolves to, an address in the local
 * network (src/net/endpoint-policy.ts) unless ROSTER_WEBHOOK_ALLOWED_HOSTS
 * lists it. A name that does not resolve now is accepted: every delivery
 * resolves and checks it again before connecting.
 */
export async function assertEndpointAllowed(endpoint: string, deps: Pick<WebhookCommandDeps, 'allowedHosts' | 'resolve'>): Promise<void> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new WebhookError('INVALID_WEBHOOK_ENDPOINT', 'endpoint must be an http or https URL without credentials');
  }
  // Other schemes are refused by the decider with INVALID_WEBHOOK_ENDPOINT.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
  let check: EndpointCheck;
  try {
    check = await untilAborted(checkEndpoint(url, parseAllowList(deps.allowedHosts), deps.resolve ?? systemResolver), AbortSignal.timeout(5000));
  } catch {
    // Not resolvable now (or not within 5 s): nothing local to refuse yet; deliveries check again.
    return;
  }
  if (!check.ok) throw new WebhookError('WEBHOOK_ENDPOINT_NOT_ALLOWED', `${check.reason}; ${ALLOW_HINT}`);
}

export function newWebhookId(ctx: CommandContext): string {
  return `webhook_${ctx.newId.uuid().replace(/-/g, '')}`;
}

async function handleWebhookCommand(store: EventStore, webhookId: string, command: WebhookCommand, ctx: CommandContext): Promise<WebhookCommandResult> {
  const streamId = webhookStream(webhookId);
  for (let attempt = 1; ; attempt++) {
    const loaded = foldRecorded(webhookDecider, await store.readStream(streamId));
    const events = webhookDecider.decide(command, loaded.state);
    if (events.length === 0) return { webhookId, events: [], position: null, state: loaded.state };
    const metadata = metadataFor(ctx);
    const data: EventData[] = events.map((e, i) => {
      const parsed = webhookEventSchemas[e.type].parse(e.data);
      return { id: deterministicUuid(streamId, String(loaded.nextRevision + i), e.type, JSON.stringify(parsed)), type: e.type, data: parsed, metadata };
    });
    try {
      const result = await store.appendToStream(streamId, data, loaded.expectedRevision);
      const state = events.reduce(webhookDecider.evolve, loaded.state);
      return { webhookId, events, position: result.position, state };
    } catch (err) {
      if (isWrongExpectedRevision(err) && attempt < 8) continue;
      throw err;
    }
  }
}

export async function createWebhook(
  deps: WebhookCommandDeps,
  input: { name: string; endpoint: string; eventTypes: readonly string[]; description?: string | null; includeImportedUsers?: boolean; webhookId?: string },
  ctx: CommandContext,
): Promise<WebhookCommandResult> {
  await assertEndpointAllowed(input.endpoint, deps);
  const webhookId = input.webhookId ?? newWebhookId(ctx);
  return handleWebhookCommand(deps.store, webhookId, { type: 'CreateWebhook', data: { ...input, webhookId } }, ctx);
}

export async function updateWebhook(
  deps: WebhookCommandDeps,
  webhookId: string,
  input: { name?: string; endpoint?: string; eventTypes?: readonly string[]; description?: string | null; includeImportedUsers?: boolean },
  ctx: CommandContext,
): Promise<WebhookCommandResult> {
  if (input.endpoint !== undefined) await assertEndpointAllowed(input.endpoint, deps);
  return handleWebhookCommand(deps.store, webhookId, { type: 'UpdateWebhook', data: input }, ctx);
}

export async function deleteWebhook(deps: WebhookCommandDeps, webhookId: string, ctx: CommandContext): Promise<WebhookCommandResult> {
  return handleWebhookCommand(deps.store, webhookId, { type: 'DeleteWebhook', data: {} }, ctx);
}

export async function loadWebhook(store: EventStore, webhookId: string): Promise<WebhookState> {
  return foldRecorded(webhookDecider, await store.readStream(webhookStream(webhookId))).state;
}
