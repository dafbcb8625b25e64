/**
 * The event types a webhook can subscribe to: Kinde's (as `@kinde/webhooks`
 * names them) plus Roster's import job events. `GET /api/v1/event_types` lists
 * these.
 */
export const KINDE_EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deleted',
  'user.authenticated',
  'user.authentication_failed',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'role.created',
  'role.updated',
  'role.deleted',
  'permission.created',
  'permission.updated',
  'permission.deleted',
  'subscriber.created',
] as const;

export const ROSTER_EVENT_TYPES = ['import.started', 'import.completed', 'import.failed'] as const;

export const WEBHOOK_EVENT_TYPES = [...KINDE_EVENT_TYPES, ...ROSTER_EVENT_TYPES] as const;
export type WebhookEventTypeKey = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventTypeKey(value: string): value is WebhookEventTypeKey {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

const NAMES: Record<WebhookEventTypeKey, string> = {
  'user.created': 'User created',
  'user.updated': 'User updated',
  'user.deleted': 'User deleted',
  'user.authenticated': 'User authenticated',
  'user.authentication_failed': 'User authentication failed',
  'organization.created': 'Organization created',
  'organization.updated': 'Organization updated',
  'organization.deleted': 'Organization deleted',
  'role.created': 'Role created',
  'role.updated': 'Role updated',
  'role.deleted': 'Role deleted',
  'permission.created': 'Permission created',
  'permission.updated': 'Permission updated',
  'permission.deleted': 'Permission deleted',
  'subscriber.created': 'Subscriber created',
  'import.started': 'Import started',
  'import.completed': 'Import completed',
  'import.failed': 'Import failed',
};

export function eventTypeName(key: WebhookEventTypeKey): string {
  return NAMES[key];
}

/** Kinde's `origin` of an event type; Roster's own additions say `roster`. */
export function eventTypeOrigin(key: WebhookEventTypeKey): string {
  return (ROSTER_EVENT_TYPES as readonly string[]).includes(key) ? 'roster' : 'kinde';
}
