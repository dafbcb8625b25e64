import { hash } from 'node:crypto';
import { isAdminEventType, type AdminEventType } from '../../domain/admin/events';
import type { DomainEventType } from '../../domain/events';
import type { RecordedEvent } from '../../eventstore/types';
import { eventTime } from '../support';

/**
 * What one audit entry is, and the pure functions that build it from an event:
 * the dotted type, the subject, the organizations involved, the details with
 * every secret stripped, and the chained hash.
 */
export interface AuditEntry {
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly occurred_on: string;
  readonly actor: { readonly type: string; readonly id: string | null };
  readonly source: string;
  readonly user_id: string | null;
  readonly email: string | null;
  readonly org_codes: readonly string[];
  readonly ip: string | null;
  readonly user_agent: string | null;
  readonly location: string | null;
  readonly details: Record<string, unknown>;
  readonly prev_hash: string;
  readonly hash: string;
}

/**
 * Every domain event type and its audit name. `null`: not an audit entry of its
 * own — reservations are the machinery of uniqueness (the change that claimed
 * them has its own entry). The Record type makes a new event type a compile error
 * here until it is mapped.
 */
export const AUDIT_TYPES: Record<DomainEventType, string | null> = {
  UserCreated: 'user.created',
  UserSignedUp: 'user.signed_up',
  UserImported: 'user.imported',
  UserUpdated: 'user.updated',
  UserSuspended: 'user.suspended',
  UserRestored: 'user.restored',
  UserAccessRevoked: 'user.access_revoked',
  UserDeleted: 'user.deleted',
  UserPasswordResetRequested: 'user.password_reset_requested',
  UserPasswordSet: 'user.password_set',
  UserTemporaryPasswordSet: 'user.temporary_password_set',
  UserPasswordUpgraded: 'user.password_upgraded',
  UserPasswordVerified: 'user.password_verified',
  IdentityAdded: 'user.identity_added',
  IdentityDeleted: 'user.identity_deleted',
  IdentityMadePrimary: 'user.identity_made_primary',
  UserPropertySet: 'user.property_set',
  FeatureFlagOverrideSet: 'user.feature_flag_override_set',
  MfaFactorEnrolled: 'user.mfa_factor_enrolled',
  MfaOptedOut: 'user.mfa_opted_out',
  MfaFactorReset: 'user.mfa_factor_reset',
  PolicyAccepted: 'user.policy_accepted',
  UserAddedToOrganization: 'organization.user_added',
  UserRemovedFromOrganization: 'organization.user_removed',
  RoleAssignedToUser: 'role.assigned',
  RoleRemovedFromUser: 'role.removed',
  PermissionGrantedToUser: 'permission.granted',
  PermissionRevokedFromUser: 'permission.revoked',
  UserSignInSucceeded: 'user.signed_in',
  UserSignInFailed: 'user.sign_in_failed',
  OrganizationCreated: 'organization.created',
  OrganizationUpdated: 'organization.updated',
  OrganizationDefaultRolesSet: 'organization.default_roles_set',
  OrganizationPropertySet: 'organization.property_set',
  OrganizationDeleted: 'organization.deleted',
  RoleCreated: 'role.created',
  RoleUpdated: 'role.updated',
  RoleDeleted: 'role.deleted',
  PermissionAddedToRole: 'role.permission_added',
  PermissionRemovedFromRole: 'role.permission_removed',
  PermissionCreated: 'permission.created',
  PermissionUpdated: 'permission.updated',
  PermissionDeleted: 'permission.deleted',
  SubscriberAdded: 'subscriber.created',
  SubscriberConvertedToUser: 'subscriber.converted_to_user',
  SubscriberDeleted: 'subscriber.deleted',
  BusinessSettingsInitialized: 'business_settings.initialized',
  BusinessSettingsUpdated: 'business_settings.updated',
  DefaultUserRoleAdded: 'business_settings.default_user_role_added',
  DefaultUserRoleRemoved: 'business_settings.default_user_role_removed',
  DefaultRolePermissionAdded: 'business_settings.default_role_permission_added',
  DefaultRolePermissionRemoved: 'business_settings.default_role_permission_removed',
  PropertyDefined: 'property.created',
  PropertyDefinitionUpdated: 'property.updated',
  PropertyDefinitionDeleted: 'property.deleted',
  // An import job: its start, and its end with the counts (each imported user has
  // its own user.imported entry); not one entry per batch (batches carry failed
  // rows' raw text).
  ImportQueued: null,
  ImportStarted: 'import.started',
  ImportBatchProcessed: null,
  ImportCompleted: 'import.completed',
  ImportFailed: 'import.failed',
  ImportDeleted: 'import.deleted',
  ReservationClaimed: null,
  ReservationReleased: null,
};

/** The operators' own actions (src/domain/admin): each is an entry of its own. */
const ADMIN_AUDIT_TYPES: Record<AdminEventType, string> = {
  OperatorCreated: 'operator.created',
  OperatorDisabled: 'operator.disabled',
  OperatorSignedIn: 'operator.signed_in',
  OperatorSignInFailed: 'operator.sign_in_failed',
  OperatorSignedOut: 'operator.signed_out',
  ApiClientCreated: 'api_client.created',
  ApiClientRevoked: 'api_client.revoked',
  ProjectionRebuildRequested: 'projection.rebuild_requested',
  WebhookDeliveryRetryRequested: 'webhook.delivery_retry_requested',
};

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/**
 * The audit type of any stored event. Types outside both catalogues (the webhook
 * configuration events; a projection never rejects a recorded fact) are named by
 * their stream category and their snake-cased type.
 */
export function auditType(event: Pick<RecordedEvent, 'type' | 'streamId'>): string | null {
  if (Object.prototype.hasOwnProperty.call(AUDIT_TYPES, event.type)) return AUDIT_TYPES[event.type as DomainEventType];
  if (isAdminEventType(event.type)) return ADMIN_AUDIT_TYPES[event.type];
  const category = event.streamId.split('-')[0] || 'event';
  return `${snake(category)}.${snake(event.type)}`;
}

// ---- secrets ---------------------------------------------------------------------

/** Keys whose values are secrets wherever they appear. */
const SECRET_KEY = /(hash|salt|secret|token|private_?key|credential|otp_?code|one_?time_?code|recovery_?code)/i;

/** What stripSecrets does with a key's value. */
const enum KeyRule {
  Keep,
  Drop,
  DropString,
}

/**
 * Each key's rule, decided once: an import's events repeat the same few dozen
 * keys, and testing two case-insensitive regular expressions on every key of
 * every event cost about a tenth of building the audit entries. Bounded, since
 * event data may carry keys chosen by users (property names).
 */
const keyRules = new Map<string, KeyRule>();
function ruleOf(key: string): KeyRule {
  let rule = keyRules.get(key);
  if (rule === undefined) {
    rule = SECRET_KEY.test(key) ? KeyRule.Drop : /password/i.test(key) ? KeyRule.DropString : KeyRule.Keep;
    if (keyRules.size < 10_000) keyRules.set(key, rule);
  }
  return rule;
}

/**
 * A deep copy of event data with every secret removed: hashes, salts, secrets,
 * tokens, and any string value under a key naming a password (a stored password
 * object keeps only its method).
 */
export function stripSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    const rule = ruleOf(k);
    if (rule === KeyRule.Drop || (rule === KeyRule.DropString && typeof v === 'string')) continue;
    out[k] = stripSecrets(v);
  }
  return out;
}

// ---- subject, organizations --------------------------------------------------------

export function subjectUserId(event: Pick<RecordedEvent, 'streamId' | 'data'>): string | null {
  if (event.streamId.startsWith('user-')) return event.streamId.slice('user-'.length);
  const data = event.data as Record<string, unknown> | null;
  return data && typeof data.userId === 'string' ? data.userId : null;
}

export function orgCodesOf(event: Pick<RecordedEvent, 'streamId' | 'data'>): string[] {
  const codes = new Set<string>();
  if (event.streamId.startsWith('organization-')) codes.add(event.streamId.slice('organization-'.length));
  const data = (event.data ?? {}) as Record<string, unknown>;
  if (typeof data.orgCode === 'string') codes.add(data.orgCode);
  if (typeof data.defaultOrgCode === 'string') codes.add(data.defaultOrgCode);
  for (const key of ['organizations', 'removedFromOrganizations']) {
    const list = data[key];
    if (Array.isArray(list)) {
      for (const m of list) {
        if (typeof m === 'string') codes.add(m);
        else if (m && typeof (m as { orgCode?: unknown }).orgCode === 'string') codes.add((m as { orgCode: string }).orgCode);
      }
    }
  }
  return [...codes].sort();
}

// ---- the chain -------------------------------------------------------------------

export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted at every level: the same entry always gives the same
 * text. Built in one pass (no intermediate arrays): it runs once per audit entry,
 * a million times in a big import.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += (out.length === 1 ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(v);
  }
  return out + '}';
}

/**
 * `sha256(prev_hash || canonical json of the entry without its hash)`, hex. The
 * entry's members are written here in their sorted order, the text canonicalJson
 * gives (every member is present: the type has no optional one), without sorting
 * and copying the entry for each of a million entries; the details and the
 * organizations go through canonicalJson.
 */
export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  const s = JSON.stringify;
  const text =
    `{"actor":{"id":${s(e.actor.id)},"type":${s(e.actor.type)}},"details":${canonicalJson(e.details)},"email":${s(e.email)},"id":${s(e.id)},"ip":${s(e.ip)}` +
    `,"location":${s(e.location)},"occurred_on":${s(e.occurred_on)},"org_codes":${canonicalJson(e.org_codes)},"prev_hash":${s(e.prev_hash)},"seq":${s(e.seq)}` +
    `,"source":${s(e.source)},"type":${s(e.type)},"user_agent":${s(e.user_agent)},"user_id":${s(e.user_id)}}`;
  // One call, not a Hash object fed twice: a million entries in a big import.
  return hash('sha256', e.prev_hash + text, 'hex');
}

/** Builds the entry for an event (without seq, chain and email, which depend on what came before). */
export function describeEvent(event: RecordedEvent, type: string) {
  const meta = event.metadata ?? ({} as RecordedEvent['metadata']);
  const data = (event.data ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
  const details = stripSecrets(data) as Record<string, unknown>;
  const application = str(meta.application) ?? str(data.application);
  if (application && details.application === undefined) details.application = application;
  if (meta.import) {
    details.import = {
      id: meta.import.id,
      format: meta.import.format,
      checksum: meta.import.checksum,
      ...(meta.import.fileName ? { file_name: meta.import.fileName } : {}),
      lines: meta.import.lines,
    };
  }
  if (meta.correlationId) details.correlation_id = meta.correlationId;
  return {
    id: event.id,
    type,
    occurred_on: eventTime(event),
    actor: { type: meta.actor?.type ?? 'system', id: meta.actor?.id ?? null },
    source: meta.source ?? 'system',
    user_id: subjectUserId(event),
    org_codes: orgCodesOf(event),
    ip: str(meta.ip) ?? str(data.ip),
    user_agent: str(meta.userAgent) ?? str(data.userAgent),
    location: str(meta.location),
    details,
  };
}
