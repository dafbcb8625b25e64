import type { WebhookEventTypeKey } from '../domain/webhook/event-types';
import type { RecordedEvent, Source } from '../eventstore/types';

/**
 * Which Kinde webhook event a domain event becomes (its type and source), known
 * from the domain event alone — before any payload is built. The outbox asks it
 * first, so an event no webhook would receive costs no state and no payload (a
 * million imported users, for one). `toKindeEvent` (kinde-events.ts) builds the
 * payload on top of it, so the two never disagree.
 */
export type WebhookSource = 'admin' | 'api' | 'user' | 'import';

export interface KindeEventKind {
  readonly type: WebhookEventTypeKey;
  readonly source: WebhookSource;
}

/** Kinde's sources are admin, api and user; Roster's system actions count as admin, self-service as user. */
export function webhookSource(source: Source | undefined): WebhookSource {
  switch (source) {
    case 'admin':
      return 'admin';
    case 'api':
      return 'api';
    case 'self':
      return 'user';
    case 'import':
      return 'import';
    case 'system':
    case undefined:
      return 'admin';
    default: {
      const never: never = source;
      return never;
    }
  }
}

/** User events that change what user.updated carries (Kinde's fields: names, contact identities, suspension, reset, organizations and access). */
const USER_UPDATING = new Set([
  'UserUpdated',
  'UserSuspended',
  'UserRestored',
  'UserAccessRevoked',
  'UserPasswordResetRequested',
  'IdentityAdded',
  'IdentityDeleted',
  'IdentityMadePrimary',
  'UserAddedToOrganization',
  'UserRemovedFromOrganization',
  'RoleAssignedToUser',
  'RoleRemovedFromUser',
  'PermissionGrantedToUser',
  'PermissionRevokedFromUser',
]);

/** The event's payload is the whole user after it (Kinde's `UserEvent`): building it needs the user's state. */
export const carriesUser = (type: WebhookEventTypeKey): boolean => type === 'user.created' || type === 'user.updated';

/** The webhook event type and source for a domain event, or null when Kinde sends none for it. */
export function kindeEventKind(e: Pick<RecordedEvent, 'type' | 'streamId' | 'data' | 'metadata'>): KindeEventKind | null {
  const source = webhookSource(e.metadata?.source);
  const kind = (type: WebhookEventTypeKey, as: WebhookSource = source): KindeEventKind => ({ type, source: as });
  switch (e.type) {
    case 'UserCreated':
      return kind('user.created');
    case 'UserSignedUp':
      return kind('user.created', 'user');
    case 'UserImported':
      return kind((e.data as Record<string, unknown>).isNew === true ? 'user.created' : 'user.updated', 'import');
    case 'UserDeleted':
      return kind('user.deleted');
    case 'UserSignInSucceeded':
      return kind('user.authenticated', 'user');
    case 'UserSignInFailed':
      return kind('user.authentication_failed', 'user');
    case 'OrganizationCreated':
      return kind('organization.created');
    case 'OrganizationUpdated':
      return kind('organization.updated');
    case 'OrganizationDeleted':
      return kind('organization.deleted');
    case 'RoleCreated':
      return kind('role.created');
    case 'RoleUpdated':
    case 'PermissionAddedToRole':
    case 'PermissionRemovedFromRole':
      return kind('role.updated');
    case 'RoleDeleted':
      return kind('role.deleted');
    case 'PermissionCreated':
      return kind('permission.created');
    case 'PermissionUpdated':
      return kind('permission.updated');
    case 'PermissionDeleted':
      return kind('permission.deleted');
    case 'SubscriberAdded':
      return kind('subscriber.created');
    case 'ImportStarted':
      return kind('import.started');
    case 'ImportCompleted':
      return kind('import.completed');
    case 'ImportFailed':
      return kind('import.failed');
    default:
      return USER_UPDATING.has(e.type) && e.streamId.startsWith('user-') ? kind('user.updated') : null;
  }
}
