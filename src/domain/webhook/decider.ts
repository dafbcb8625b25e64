import { RosterError } from '../errors';
import { assertNever, type Command, type Decider } from '../shared';
import { isWebhookEventTypeKey } from './event-types';
import { WebhookEndpointSchema, type WebhookEvent } from './events';

/**
 * A webhook's configuration as a decider. Errors are WebhookError with stable
 * codes: WEBHOOK_NOT_FOUND is of kind not_found, WEBHOOK_ALREADY_EXISTS a conflict, the rest invalid.
 */
export type WebhookErrorCode = 'WEBHOOK_NOT_FOUND' | 'WEBHOOK_ALREADY_EXISTS' | 'INVALID_WEBHOOK_ENDPOINT' | 'UNKNOWN_EVENT_TYPE' | 'WEBHOOK_ENDPOINT_NOT_ALLOWED' | 'VALIDATION_FAILED';

export class WebhookError extends RosterError {
  declare readonly code: WebhookErrorCode;
  constructor(code: WebhookErrorCode, message: string) {
    super(code === 'WEBHOOK_NOT_FOUND' ? 'not_found' : code === 'WEBHOOK_ALREADY_EXISTS' ? 'conflict' : 'invalid', code, message);
    this.name = 'WebhookError';
  }
}

export interface WebhookConfig {
  readonly webhookId: string;
  readonly name: string;
  readonly endpoint: string;
  readonly eventTypes: readonly string[];
  readonly description?: string;
  readonly includeImportedUsers: boolean;
}

export type WebhookState = { readonly status: 'none' } | (WebhookConfig & { readonly status: 'active' }) | { readonly status: 'deleted'; readonly webhookId: string };

export type WebhookCommand =
  | Command<'CreateWebhook', { webhookId: string; name: string; endpoint: string; eventTypes: readonly string[]; description?: string | null; includeImportedUsers?: boolean }>
  | Command<'UpdateWebhook', { name?: string; endpoint?: string; eventTypes?: readonly string[]; description?: string | null; includeImportedUsers?: boolean }>
  | Command<'DeleteWebhook', Record<string, never>>;

function checkEventTypes(types: readonly string[]): string[] {
  if (types.length === 0) throw new WebhookError('VALIDATION_FAILED', 'event_types must name at least one event type');
  for (const t of types) {
    if (!isWebhookEventTypeKey(t)) throw new WebhookError('UNKNOWN_EVENT_TYPE', `unknown event type ${JSON.stringify(t)}; see GET /api/v1/event_types`);
  }
  return [...new Set(types)];
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 255) throw new WebhookError('VALIDATION_FAILED', 'name must be 1 to 255 characters');
  return trimmed;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

export function decideWebhook(command: WebhookCommand, state: WebhookState): WebhookEvent[] {
  switch (command.type) {
    case 'CreateWebhook': {
      if (state.status !== 'none') throw new WebhookError('WEBHOOK_ALREADY_EXISTS', 'webhook already exists');
      const d = command.data;
      if (!WebhookEndpointSchema.safeParse(d.endpoint).success) {
        throw new WebhookError('INVALID_WEBHOOK_ENDPOINT', 'endpoint must be an http or https URL without credentials');
      }
      const description = d.description?.trim();
      if (description !== undefined && description.length > 1000) throw new WebhookError('VALIDATION_FAILED', 'description must be at most 1000 characters');
      return [
        {
          type: 'WebhookCreated',
          data: {
            webhookId: d.webhookId,
            name: checkName(d.name),
            endpoint: d.endpoint,
            eventTypes: checkEventTypes(d.eventTypes),
            ...(description ? { description } : {}),
            includeImportedUsers: d.includeImportedUsers ?? false,
          },
        },
      ];
    }
    case 'UpdateWebhook': {
      if (state.status !== 'active') throw new WebhookError('WEBHOOK_NOT_FOUND', 'webhook not found');
      const d = command.data;
      const patch: { name?: string; endpoint?: string; eventTypes?: string[]; description?: string | null; includeImportedUsers?: boolean } = {};
      if (d.name !== undefined) {
        const name = checkName(d.name);
        if (name !== state.name) patch.name = name;
      }
      if (d.endpoint !== undefined) {
        if (!WebhookEndpointSchema.safeParse(d.endpoint).success) {
          throw new WebhookError('INVALID_WEBHOOK_ENDPOINT', 'endpoint must be an http or https URL without credentials');
        }
        if (d.endpoint !== state.endpoint) patch.endpoint = d.endpoint;
      }
      if (d.eventTypes !== undefined) {
        const types = checkEventTypes(d.eventTypes);
        if (!sameSet(types, state.eventTypes)) patch.eventTypes = types;
      }
      if (d.description !== undefined) {
        const description = d.description === null ? null : d.description.trim() || null;
        if (description !== null && description.length > 1000) throw new WebhookError('VALIDATION_FAILED', 'description must be at most 1000 characters');
        if (description !== (state.description ?? null)) patch.description = description;
      }
      if (d.includeImportedUsers !== undefined && d.includeImportedUsers !== state.includeImportedUsers) patch.includeImportedUsers = d.includeImportedUsers;
      return Object.keys(patch).length === 0 ? [] : [{ type: 'WebhookUpdated', data: patch }];
    }
    case 'DeleteWebhook':
      if (state.status === 'deleted') return [];
      if (state.status !== 'active') throw new WebhookError('WEBHOOK_NOT_FOUND', 'webhook not found');
      return [{ type: 'WebhookDeleted', data: {} }];
    default:
      return assertNever(command, 'webhook command');
  }
}

export function evolveWebhook(state: WebhookState, event: WebhookEvent): WebhookState {
  switch (event.type) {
    case 'WebhookCreated': {
      const { description, ...rest } = event.data;
      return { status: 'active', ...rest, ...(description !== undefined ? { description } : {}) };
    }
    case 'WebhookUpdated': {
      if (state.status !== 'active') return state;
      const d = event.data;
      const next: WebhookConfig & { status: 'active' } = {
        ...state,
        ...(d.name !== undefined ? { name: d.name } : {}),
        ...(d.endpoint !== undefined ? { endpoint: d.endpoint } : {}),
        ...(d.eventTypes !== undefined ? { eventTypes: d.eventTypes } : {}),
        ...(d.includeImportedUsers !== undefined ? { includeImportedUsers: d.includeImportedUsers } : {}),
      };
      if (d.description === null) {
        const { description: _dropped, ...without } = next;
        return without;
      }
      return d.description !== undefined ? { ...next, description: d.description } : next;
    }
    case 'WebhookDeleted':
      return state.status === 'active' ? { status: 'deleted', webhookId: state.webhookId } : state;
    default:
      return assertNever(event, 'webhook event');
  }
}

export const webhookDecider: Decider<WebhookCommand, WebhookEvent, WebhookState> = {
  initialState: () => ({ status: 'none' }),
  evolve: evolveWebhook,
  decide: decideWebhook,
};
