import type { RecordedEvent } from '../../eventstore/types';
import { createUserSearchIndexes } from './search';
import type { UserEvent } from '../../domain/user/events';
import { USER_EVENT_TYPES } from '../../domain/user/events';
import { addIdentities as addToIdentityList, deleteIdentity, makeIdentityPrimary, primaryOfType, type PrimaryFlag } from '../../domain/user/identity-list';
import { afterEnrolment, afterOptOut, afterReset, type MfaScopeFlags } from '../../domain/user/mfa-scopes';
import { mfaScopeKey } from '../../domain/user/state';
import { assertNever } from '../../domain/shared';
import { docProjection, eventTime, isoTime } from '../support';

/**
 * The users read model: one row per user (list columns + the whole detail as a
 * JSON document), with child tables for identities (lookups by email, username,
 * phone) and memberships (organization members, role holders).
 *
 * No password hash, salt or secret is ever stored here: only whether the user has
 * a password, its method, and whether it is temporary or verified.
 */

export interface UserIdentityDoc {
  id: string;
  type: string;
  identity: string;
  is_verified: boolean;
  is_primary: boolean;
  provider: string | null;
  created_on: string;
  total_logins: number;
  failed_logins: number;
  last_login_on: string | null;
}

export interface UserMembershipDoc {
  role_ids: string[];
  permission_ids: string[];
  joined_on: string;
}

export interface UserDoc {
  id: string;
  status: 'active' | 'suspended' | 'access_revoked' | 'deleted';
  provided_id: string | null;
  first_name: string | null;
  last_name: string | null;
  picture: string | null;
  created_on: string;
  updated_on: string;
  identities: UserIdentityDoc[];
  organizations: Record<string, UserMembershipDoc>;
  properties: Record<string, string>;
  feature_flags: Record<string, string>;
  password: { has_password: boolean; method: string | null; is_temporary: boolean; is_verified: boolean };
  is_password_reset_requested: boolean;
  mfa: {
    factors: { factor_id: string; method: string; scope: string; enrolled_on: string }[];
    opted_out: string[];
    setup_required: string[];
  };
  policies: Partial<Record<'terms' | 'privacy', { url: string; version: string | null; accepted_on: string }>>;
  total_sign_ins: number;
  /** Consecutive failures since the last success (Kinde's `failed_sign_ins`). */
  failed_sign_ins: number;
  last_signed_in: string | null;
  last_organization_sign_ins: Record<string, string>;
  suspension: { reason: string | null; suspended_on: string } | null;
  sources: string[];
}

const USER_TYPES = new Set<string>(USER_EVENT_TYPES);
const uniq = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];
const without = (a: readonly string[], x: string) => a.filter((v) => v !== x);

function newDoc(id: string, at: string): UserDoc {
  return {
    id,
    status: 'active',
    provided_id: null,
    first_name: null,
    last_name: null,
    picture: null,
    created_on: at,
    updated_on: at,
    identities: [],
    organizations: {},
    properties: {},
    feature_flags: {},
    password: { has_password: false, method: null, is_temporary: false, is_verified: false },
    is_password_reset_requested: false,
    mfa: { factors: [], opted_out: [], setup_required: [] },
    policies: {},
    total_sign_ins: 0,
    failed_sign_ins: 0,
    last_signed_in: null,
    last_organization_sign_ins: {},
    suspension: null,
    sources: [],
  };
}

type Identity = Extract<UserEvent, { type: 'IdentityAdded' }>['data']['identity'];
const identityDoc = (i: Identity, at: string): UserIdentityDoc => ({
  id: i.id,
  type: i.type,
  identity: i.identity,
  is_verified: i.isVerified,
  is_primary: i.isPrimary,
  provider: i.provider ?? null,
  created_on: at,
  total_logins: 0,
  failed_logins: 0,
  last_login_on: null,
});

/** The identity rules are the domain's (identity-list.ts); this row shape spells the flag `is_primary`. */
const DOC_FLAG: PrimaryFlag<UserIdentityDoc> = { isPrimary: (i) => i.is_primary, withPrimary: (i, is_primary) => ({ ...i, is_primary }) };

function addIdentities(doc: UserDoc, added: readonly Identity[], at: string): UserDoc {
  if (added.length === 0) return doc;
  return {
    ...doc,
    identities: addToIdentityList(
      doc.identities,
      added.map((i) => identityDoc(i, at)),
      DOC_FLAG,
    ),
  };
}

function addMemberships(doc: UserDoc, ms: readonly { orgCode: string; roleIds: readonly string[]; permissionIds: readonly string[] }[], at: string): UserDoc {
  if (ms.length === 0) return doc;
  const organizations = { ...doc.organizations };
  for (const m of ms) {
    const prev = organizations[m.orgCode];
    organizations[m.orgCode] = {
      role_ids: uniq(prev?.role_ids ?? [], m.roleIds),
      permission_ids: uniq(prev?.permission_ids ?? [], m.permissionIds),
      joined_on: prev?.joined_on ?? at,
    };
  }
  return { ...doc, organizations };
}

function withOrg(doc: UserDoc, orgCode: string, f: (m: UserMembershipDoc) => UserMembershipDoc): UserDoc {
  const m = doc.organizations[orgCode];
  return m ? { ...doc, organizations: { ...doc.organizations, [orgCode]: f(m) } } : doc;
}

function setRecord(record: Record<string, string>, key: string, value: string | null): Record<string, string> {
  const next = { ...record };
  if (value === null) delete next[key];
  else next[key] = value;
  return next;
}

function signIn(doc: UserDoc, data: { identityId?: string; orgCode?: string }, ok: boolean, at: string): UserDoc {
  const identities = doc.identities.map((i) => (i.id !== data.identityId ? i : ok ? { ...i, total_logins: i.total_logins + 1, last_login_on: at } : { ...i, failed_logins: i.failed_logins + 1 }));
  if (!ok) return { ...doc, identities, failed_sign_ins: doc.failed_sign_ins + 1 };
  return {
    ...doc,
    identities,
    total_sign_ins: doc.total_sign_ins + 1,
    failed_sign_ins: 0,
    last_signed_in: at,
    last_organization_sign_ins: data.orgCode ? { ...doc.last_organization_sign_ins, [data.orgCode]: at } : doc.last_organization_sign_ins,
  };
}

/** The MFA scope rules are the domain's (mfa-scopes.ts); this document spells the lists in snake case. */
const mfaFlagsOf = (doc: UserDoc): MfaScopeFlags => ({ optedOut: doc.mfa.opted_out, setupRequired: doc.mfa.setup_required });
const docMfaFlags = (f: MfaScopeFlags) => ({ opted_out: [...f.optedOut], setup_required: [...f.setupRequired] });

function passwordOf(method: string, isTemporary: boolean, isVerified: boolean): UserDoc['password'] {
  return { has_password: true, method, is_temporary: isTemporary, is_verified: isVerified };
}

/** Folds one user event into the read-model document (the read side's own evolve: it keeps times and counts). */
export function evolveUserDoc(current: UserDoc | undefined, recorded: RecordedEvent, id: string): UserDoc | undefined {
  if (!USER_TYPES.has(recorded.type)) return current;
  const event = { type: recorded.type, data: recorded.data } as UserEvent;
  const at = eventTime(recorded);
  if (event.type === 'UserCreated' || event.type === 'UserSignedUp') {
    let doc = newDoc(id, at);
    doc = { ...doc, first_name: event.data.firstName ?? null, last_name: event.data.lastName ?? null, picture: event.data.picture ?? null, provided_id: event.data.providedId ?? null };
    doc = addIdentities(doc, event.data.identities, at);
    return { ...addMemberships(doc, event.data.organizations, at), sources: [recorded.metadata?.source ?? 'system'] };
  }
  if (event.type === 'UserImported' && (current === undefined || current.status === 'deleted')) {
    current = { ...newDoc(id, event.data.createdAtSource ? isoTime(event.data.createdAtSource) : at), sources: ['import'] };
  }
  if (current === undefined || current.status === 'deleted') return current;
  const doc: UserDoc = { ...current, updated_on: at };
  switch (event.type) {
    case 'UserImported': {
      const d = event.data;
      const overwrite = d.mode === 'update' || d.isNew;
      let next = doc;
      const pick = (old: string | null, v: string | undefined) => (v === undefined ? old : overwrite || old === null ? v : old);
      next = {
        ...next,
        first_name: pick(next.first_name, d.firstName),
        last_name: pick(next.last_name, d.lastName),
        picture: pick(next.picture, d.picture),
        provided_id: pick(next.provided_id, d.providedId),
      };
      next = addIdentities(next, d.identities, at);
      next = addMemberships(next, d.organizations, at);
      next = { ...next, properties: { ...next.properties, ...d.properties }, feature_flags: { ...next.feature_flags, ...d.featureFlags } };
      if (d.password) next = { ...next, password: passwordOf(d.password.method, false, d.passwordVerified ?? next.password.is_verified) };
      else if (d.passwordVerified !== undefined) next = { ...next, password: { ...next.password, is_verified: d.passwordVerified } };
      return { ...next, sources: uniq(next.sources, ['import']) };
    }
    case 'UserUpdated': {
      const d = event.data;
      return {
        ...doc,
        first_name: d.firstName === undefined ? doc.first_name : d.firstName,
        last_name: d.lastName === undefined ? doc.last_name : d.lastName,
        picture: d.picture === undefined ? doc.picture : d.picture,
      };
    }
    case 'UserSuspended':
      return { ...doc, status: 'suspended', suspension: { reason: event.data.reason ?? null, suspended_on: at } };
    case 'UserRestored':
      return { ...doc, status: 'active', suspension: null };
    case 'UserAccessRevoked':
      return { ...doc, status: 'access_revoked', organizations: {} };
    case 'UserDeleted':
      return { ...newDoc(id, doc.created_on), status: 'deleted', updated_on: at };
    case 'UserPasswordResetRequested':
      return { ...doc, is_password_reset_requested: true };
    case 'UserPasswordSet':
      return { ...doc, password: passwordOf(event.data.password.method, event.data.isTemporary, true), is_password_reset_requested: false };
    case 'UserTemporaryPasswordSet':
      return { ...doc, password: passwordOf(event.data.password.method, true, true) };
    case 'UserPasswordUpgraded':
      return { ...doc, password: { ...doc.password, has_password: true, method: event.data.password.method } };
    case 'UserPasswordVerified':
      return { ...doc, password: { ...doc.password, is_verified: true } };
    case 'IdentityAdded':
      return addIdentities(doc, [event.data.identity], at);
    case 'IdentityDeleted':
      return { ...doc, identities: deleteIdentity(doc.identities, event.data.identityId, event.data.newPrimaryIdentityId, DOC_FLAG) };
    case 'IdentityMadePrimary':
      return { ...doc, identities: makeIdentityPrimary(doc.identities, event.data.identityId, DOC_FLAG) };
    case 'UserPropertySet':
      return { ...doc, properties: setRecord(doc.properties, event.data.key, event.data.value) };
    case 'FeatureFlagOverrideSet':
      return { ...doc, feature_flags: setRecord(doc.feature_flags, event.data.key, event.data.value) };
    case 'MfaFactorEnrolled': {
      const scope = mfaScopeKey(event.data.scope);
      const factors = [...doc.mfa.factors.filter((f) => f.factor_id !== event.data.factorId), { factor_id: event.data.factorId, method: event.data.method, scope, enrolled_on: at }];
      return { ...doc, mfa: { factors, ...docMfaFlags(afterEnrolment(mfaFlagsOf(doc), scope)) } };
    }
    case 'MfaOptedOut':
      return { ...doc, mfa: { ...doc.mfa, ...docMfaFlags(afterOptOut(mfaFlagsOf(doc), mfaScopeKey(event.data.scope))) } };
    case 'MfaFactorReset': {
      const factors = doc.mfa.factors.filter((f) => f.factor_id !== event.data.factorId);
      return { ...doc, mfa: { factors, ...docMfaFlags(afterReset(mfaFlagsOf(doc), mfaScopeKey(event.data.scope), event.data)) } };
    }
    case 'PolicyAccepted': {
      const { policy, url, version, acceptedAt } = event.data;
      return { ...doc, policies: { ...doc.policies, [policy]: { url, version: version ?? null, accepted_on: isoTime(acceptedAt) } } };
    }
    case 'UserAddedToOrganization':
      return addMemberships(doc, [{ orgCode: event.data.orgCode, roleIds: event.data.roleIds, permissionIds: [] }], at);
    case 'UserRemovedFromOrganization': {
      const organizations = { ...doc.organizations };
      delete organizations[event.data.orgCode];
      const scope = mfaScopeKey({ type: 'organization', orgCode: event.data.orgCode });
      return { ...doc, organizations, mfa: { ...doc.mfa, factors: doc.mfa.factors.filter((f) => f.scope !== scope) } };
    }
    case 'RoleAssignedToUser':
      return withOrg(doc, event.data.orgCode, (m) => ({ ...m, role_ids: uniq(m.role_ids, [event.data.roleId]) }));
    case 'RoleRemovedFromUser':
      return withOrg(doc, event.data.orgCode, (m) => ({ ...m, role_ids: without(m.role_ids, event.data.roleId) }));
    case 'PermissionGrantedToUser':
      return withOrg(doc, event.data.orgCode, (m) => ({ ...m, permission_ids: uniq(m.permission_ids, [event.data.permissionId]) }));
    case 'PermissionRevokedFromUser':
      return withOrg(doc, event.data.orgCode, (m) => ({ ...m, permission_ids: without(m.permission_ids, event.data.permissionId) }));
    case 'UserSignInSucceeded': {
      const next = signIn(doc, event.data, true, at);
      return event.data.method === 'temporary_password' ? { ...next, password: { ...next.password, is_temporary: true } } : next;
    }
    case 'UserSignInFailed':
      return signIn(doc, event.data, false, at);
    default:
      return assertNever(event, 'user event');
  }
}

// ---- derived columns -------------------------------------------------------------

const firstOf = (doc: UserDoc, type: string) => primaryOfType(doc.identities, type, DOC_FLAG) ?? null;

export function fullName(doc: Pick<UserDoc, 'first_name' | 'last_name'>): string {
  return [doc.first_name, doc.last_name].filter((x) => x).join(' ');
}

export function userRow(doc: UserDoc) {
  const email = firstOf(doc, 'email');
  const name = fullName(doc);
  return {
    status: doc.status,
    provided_id: doc.provided_id,
    email,
    username: firstOf(doc, 'username'),
    phone: firstOf(doc, 'phone'),
    first_name: doc.first_name,
    last_name: doc.last_name,
    full_name: name,
    picture: doc.picture,
    is_suspended: doc.status === 'suspended',
    is_password_reset_requested: doc.is_password_reset_requested,
    has_password: doc.password.has_password,
    created_on: doc.created_on,
    updated_on: doc.updated_on,
    last_signed_in: doc.last_signed_in,
    total_sign_ins: doc.total_sign_ins,
    failed_sign_ins: doc.failed_sign_ins,
    organizations: Object.keys(doc.organizations).sort(),
    // Sort keys: never null, so that keyset comparisons are plain row comparisons.
    sort_name: name.toLowerCase(),
    sort_email: (email ?? '').toLowerCase(),
  };
}

export const usersProjection = docProjection<UserDoc>('users', 1, {
  table: 'users',
  streamPrefix: 'user-',
  // The heaviest writes of an import (documents, identities, memberships, the search index): a lane of its own.
  lane: 'users',
  childTables: ['user_identities', 'user_organizations'],
  columns(table) {
    table.text('status');
    table.text('provided_id');
    table.text('email');
    table.text('username');
    table.text('phone');
    table.text('first_name');
    table.text('last_name');
    table.text('full_name');
    table.text('picture');
    table.boolean('is_suspended');
    table.boolean('is_password_reset_requested');
    table.boolean('has_password');
    table.timestamp('created_on', { useTz: true });
    table.timestamp('updated_on', { useTz: true });
    table.timestamp('last_signed_in', { useTz: true });
    table.integer('total_sign_ins');
    table.integer('failed_sign_ins');
    table.specificType('organizations', 'text[]');
    table.text('sort_name');
    table.text('sort_email');
  },
  async setupExtra(db, t) {
    await db.schema.createTable(t('user_identities'), (table) => {
      table.text('parent_id').notNullable();
      table.text('identity_id').notNullable();
      table.text('type');
      table.text('identity');
      table.text('identity_lower');
      table.boolean('is_primary');
      table.primary(['parent_id', 'identity_id']);
    });
    await db.schema.createTable(t('user_organizations'), (table) => {
      table.text('parent_id').notNullable();
      table.text('org_code').notNullable();
      table.specificType('role_ids', 'text[]');
      table.specificType('permission_ids', 'text[]');
      table.timestamp('joined_on', { useTz: true });
      table.timestamp('last_accessed_on', { useTz: true });
      table.primary(['org_code', 'parent_id']);
    });
    // Each batch replaces a user's memberships by parent_id: this one serves the writes too.
    await db.raw('create index ?? on ?? (parent_id)', [`${t('user_organizations')}_user_idx`, t('user_organizations')]);
  },
  async indexes(db, t) {
    const u = t('users');
    // Keyset pagination per sort order; the partial indexes skip deleted users.
    await db.raw(`create index ?? on ?? (sort_name, id) where status <> 'deleted'`, [`${u}_name_idx`, u]);
    await db.raw(`create index ?? on ?? (sort_email, id) where status <> 'deleted'`, [`${u}_email_idx`, u]);
    await db.raw(`create index ?? on ?? (provided_id) where provided_id is not null`, [`${u}_provided_idx`, u]);
    await db.raw(`create index ?? on ?? using gin (organizations)`, [`${u}_orgs_idx`, u]);
    await createUserSearchIndexes(db, u);
    await db.raw('create index ?? on ?? (type, identity_lower)', [`${t('user_identities')}_lookup_idx`, t('user_identities')]);
    await db.raw('create index ?? on ?? using gin (role_ids)', [`${t('user_organizations')}_roles_idx`, t('user_organizations')]);
  },
  evolve: evolveUserDoc,
  row: userRow,
  children(doc) {
    if (doc.status === 'deleted') return { user_identities: [], user_organizations: [] };
    return {
      user_identities: doc.identities.map((i) => ({
        identity_id: i.id,
        type: i.type,
        identity: i.identity,
        identity_lower: i.identity.trim().toLowerCase(),
        is_primary: i.is_primary,
      })),
      user_organizations: Object.entries(doc.organizations).map(([org_code, m]) => ({
        org_code,
        role_ids: m.role_ids,
        permission_ids: m.permission_ids,
        joined_on: m.joined_on,
        last_accessed_on: doc.last_organization_sign_ins[org_code] ?? null,
      })),
    };
  },
});
