import type { RecordedEvent } from '../eventstore/types';
import type { UserState } from '../domain/user/state';
import type { WebhookEventTypeKey } from '../domain/webhook/event-types';
import { kindeEventKind, type WebhookSource } from './kinde-event-type';

/**
 * Domain events -> the webhook events Kinde sends, with the payloads
 * `@kinde/webhooks` (dist/types.d.ts) types: `{ type, event_id, source,
 * timestamp, data }`. Roster adds `import.started|completed|failed` and the
 * source `import` for imported users (sent only to webhooks that opt in).
 *
 * Pure: the state the payload needs (the user after the event, a role's key…)
 * comes in a MappingView built by the outbox projection. The type and source
 * come from kinde-event-type.ts, which the outbox asks before building anything.
 */
export interface KindeWebhookEvent {
  readonly type: WebhookEventTypeKey;
  /** Stable per domain event, so receivers can de-duplicate retries. */
  readonly event_id: string;
  readonly source: WebhookSource;
  /** ISO 8601: when the change happened. */
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
}

export interface RoleSnapshot {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly description?: string;
  readonly isDefault: boolean;
  readonly deleted?: boolean;
}
export interface PermissionSnapshot {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly description?: string;
  readonly deleted?: boolean;
}
export interface OrganizationSnapshot {
  readonly code: string;
  readonly name: string;
  readonly externalId?: string;
  readonly deleted?: boolean;
}
/** The user as the domain folds it, minus the password (never stored outside the event store). */
export type UserSnapshot = UserState;

/** State after the event has been applied. */
export interface MappingView {
  user(userId: string): UserSnapshot | undefined;
  role(roleId: string): RoleSnapshot | undefined;
  permission(permissionId: string): PermissionSnapshot | undefined;
  organization(code: string): OrganizationSnapshot | undefined;
}

/** `event_` + the domain event's UUID as 32 hex: the same domain event always gives the same webhook event id. */
export function webhookEventId(domainEventId: string): string {
  return `event_${domainEventId.replace(/-/g, '').toLowerCase()}`;
}

export function domainEventIdOf(webhookEventIdValue: string): string | undefined {
  const m = /^event_([0-9a-f]{32})$/.exec(webhookEventIdValue);
  if (!m) return undefined;
  const h = m[1]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The Kinde `UserEvent` shape of @kinde/webhooks. */
export function userPayload(user: UserSnapshot, view: MappingView) {
  if (user.status === 'none' || user.status === 'deleted') return undefined;
  const primaryOf = (type: string) => user.identities.find((i) => i.type === type && i.isPrimary) ?? user.identities.find((i) => i.type === type);
  return {
    email: primaryOf('email')?.identity ?? '',
    first_name: user.firstName ?? '',
    id: user.userId,
    is_password_reset_requested: user.passwordResetRequested,
    is_suspended: user.status === 'suspended',
    last_name: user.lastName ?? '',
    organizations: Object.entries(user.organizations)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([code, access]) => ({
        code,
        roles: access.roleIds.map((id) => view.role(id)?.key).filter((k): k is string => k !== undefined),
        permissions: access.permissionIds
          .map((id) => view.permission(id))
          .filter((p): p is PermissionSnapshot => p !== undefined)
          .map((p) => ({ id: p.id, key: p.key })),
      })),
    phone: primaryOf('phone')?.identity ?? null,
    username: primaryOf('username')?.identity ?? '',
  };
}

const rolePayload = (r: RoleSnapshot) => ({ description: r.description ?? '', id: r.id, is_default_role: r.isDefault, key: r.key, name: r.name });
const permissionPayload = (p: PermissionSnapshot) => ({ description: p.description ?? '', id: p.id, key: p.key, name: p.name });

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The import job payload: its id and counts, tolerant of absent fields. */
function importPayload(e: RecordedEvent, status: 'started' | 'completed' | 'failed') {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const id = typeof d.importId === 'string' ? d.importId : e.streamId.replace(/^import-/, '');
  const counts = d.counts && typeof d.counts === 'object' ? (d.counts as Record<string, unknown>) : undefined;
  const out: Record<string, unknown> = { id, status };
  if (typeof d.format === 'string') out.format = d.format;
  if (typeof d.mode === 'string') out.mode = d.mode;
  if (counts) {
    const c: Record<string, number> = {};
    for (const [k, v] of Object.entries(counts)) {
      const n = num(v);
      if (n !== undefined) c[k] = n;
    }
    out.counts = c;
  }
  if (Array.isArray(d.errors)) out.error_count = d.errors.length;
  return { import: out };
}

/**
 * The webhook event for a domain event, or null when Kinde sends none for it.
 * `view` holds the state after the event.
 */
export function toKindeEvent(e: RecordedEvent, view: MappingView): KindeWebhookEvent | null {
  const kind = kindeEventKind(e);
  if (!kind) return null;
  const ev = (data: Record<string, unknown>): KindeWebhookEvent => ({
    type: kind.type,
    event_id: webhookEventId(e.id),
    source: kind.source,
    timestamp: e.metadata?.occurredAt ?? e.recordedAt.toISOString(),
    data,
  });
  const d = e.data as Record<string, unknown>;
  const idOfStream = (category: string) => (e.streamId.startsWith(`${category}-`) ? e.streamId.slice(category.length + 1) : e.streamId);

  switch (kind.type) {
    case 'user.created':
    case 'user.updated': {
      const user = view.user(idOfStream('user'));
      const payload = user && userPayload(user, view);
      return payload ? ev({ user: payload }) : null;
    }
    case 'user.deleted':
    case 'user.authenticated':
    case 'user.authentication_failed':
      return ev({ user: { id: idOfStream('user') } });
    case 'organization.created':
    case 'organization.updated': {
      const org = view.organization(idOfStream('organization'));
      if (!org) return null;
      if (kind.type === 'organization.created') return ev({ organization: { code: org.code, external_id: org.externalId ?? null, handle: '', name: org.name } });
      return ev({ organization: { code: org.code, external_id: org.externalId ?? null, handle: '', is_allow_registrations: false, name: org.name } });
    }
    case 'organization.deleted':
      return ev({ organization: { code: idOfStream('organization') } });
    case 'role.created':
    case 'role.updated': {
      const role = view.role(idOfStream('role'));
      return role ? ev({ role: rolePayload(role) }) : null;
    }
    case 'role.deleted':
      return ev({ role: { id: idOfStream('role') } });
    case 'permission.created':
    case 'permission.updated': {
      const permission = view.permission(idOfStream('permission'));
      return permission ? ev({ permission: permissionPayload(permission) }) : null;
    }
    case 'permission.deleted':
      return ev({ permission: { id: idOfStream('permission') } });
    case 'subscriber.created':
      return ev({
        subscriber: {
          email: typeof d.email === 'string' ? d.email : '',
          first_name: typeof d.firstName === 'string' ? d.firstName : '',
          id: typeof d.subscriberId === 'string' ? d.subscriberId : idOfStream('subscriber'),
          last_name: typeof d.lastName === 'string' ? d.lastName : '',
          user_id: '',
        },
      });
    case 'import.started':
      return ev(importPayload(e, 'started'));
    case 'import.completed':
      return ev(importPayload(e, 'completed'));
    case 'import.failed':
      return ev(importPayload(e, 'failed'));
    default: {
      const never: never = kind.type;
      return never;
    }
  }
}
