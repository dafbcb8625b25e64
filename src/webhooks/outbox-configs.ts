import type { RecordedEvent } from '../eventstore/types';
import type { KindeEventKind } from './kinde-event-type';

/**
 * The webhooks' configuration as the outbox folds it, one row per webhook, as of
 * the point of the feed the outbox has reached: a webhook receives the events
 * after its creation, with the event types it had at the time.
 */
export interface ConfigRow {
  webhook_id: string;
  name: string;
  endpoint: string;
  event_types: string[];
  description: string | null;
  include_imported_users: boolean;
  created_on: string;
  deleted: boolean;
  /** The revision of the last webhook event folded in: replaying it, or one before it, changes nothing. */
  revision: number;
  /** Its feed position: an event before it is a replay, already routed with the configuration it then had. */
  position: string;
}

export function evolveConfig(prev: ConfigRow | undefined, e: RecordedEvent): ConfigRow | undefined {
  const d = e.data as Record<string, unknown>;
  const webhookId = e.streamId.slice('webhook-'.length);
  const at = { revision: e.revision, position: e.position };
  switch (e.type) {
    case 'WebhookCreated':
      return {
        webhook_id: webhookId,
        name: String(d.name),
        endpoint: String(d.endpoint),
        event_types: (d.eventTypes as string[] | undefined) ?? [],
        description: typeof d.description === 'string' ? d.description : null,
        include_imported_users: d.includeImportedUsers === true,
        created_on: e.metadata?.occurredAt ?? e.recordedAt.toISOString(),
        deleted: false,
        ...at,
      };
    case 'WebhookUpdated': {
      if (!prev) return prev;
      return {
        ...prev,
        ...(typeof d.name === 'string' ? { name: d.name } : {}),
        ...(typeof d.endpoint === 'string' ? { endpoint: d.endpoint } : {}),
        ...(Array.isArray(d.eventTypes) ? { event_types: d.eventTypes as string[] } : {}),
        ...(d.description === null ? { description: null } : typeof d.description === 'string' ? { description: d.description } : {}),
        ...(typeof d.includeImportedUsers === 'boolean' ? { include_imported_users: d.includeImportedUsers } : {}),
        ...at,
      };
    }
    case 'WebhookDeleted':
      return prev ? { ...prev, deleted: true, ...at } : prev;
    default:
      return prev;
  }
}

/**
 * Which webhooks receive an event of this Kinde type and source (as configured at
 * that point of the feed). Imported users (source `import`) reach only webhooks
 * with include_imported_users: "importing sends no notifications" unless asked.
 */
export function webhooksFor(event: KindeEventKind, configs: Iterable<Pick<ConfigRow, 'webhook_id' | 'event_types' | 'include_imported_users' | 'deleted'>>): string[] {
  const imported = event.source === 'import' && event.type.startsWith('user.');
  const out: string[] = [];
  for (const c of configs) {
    if (c.deleted || !c.event_types.includes(event.type)) continue;
    if (imported && !c.include_imported_users) continue;
    out.push(c.webhook_id);
  }
  return out;
}
