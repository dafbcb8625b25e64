import { assertNever } from '../shared';
import type { MfaMethod, MfaScope, Policy, StoredPassword, UserEvent } from './events';
import type { Identity } from './identity';
import { addIdentities, deleteIdentity, makeIdentityPrimary, type PrimaryFlag } from './identity-list';
import { afterEnrolment, afterOptOut, afterReset, type MfaScopeFlags } from './mfa-scopes';
import { countSignIn, noSignIns, type IdentitySignIns, type SignInTotals } from './sign-in-counts';

export interface OrganizationAccess {
  readonly roleIds: readonly string[];
  readonly permissionIds: readonly string[];
}

export interface MfaFactor {
  readonly factorId: string;
  readonly method: MfaMethod;
  readonly scope: MfaScope;
}

export interface PasswordState {
  readonly stored: StoredPassword;
  /** Single use: invalid once used. */
  readonly isTemporary: boolean;
  readonly temporaryUsed: boolean;
}

export interface UserProfile {
  readonly userId: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly picture?: string;
  readonly providedId?: string;
  readonly identities: readonly Identity[];
  /** orgCode -> the role ids and permission ids held there. */
  readonly organizations: Readonly<Record<string, OrganizationAccess>>;
  readonly properties: Readonly<Record<string, string>>;
  readonly featureFlags: Readonly<Record<string, string>>;
  readonly password?: PasswordState;
  /**
   * false: the current password is an imported one that must be confirmed with a one-time
   * code before it is used. A password an admin or the API sets needs no code, so setting one
   * makes this true.
   */
  readonly passwordVerified: boolean;
  readonly passwordResetRequested: boolean;
  readonly mfaFactors: readonly MfaFactor[];
  /** Scope keys (see mfaScopeKey) where the user opted out of MFA. */
  readonly mfaOptedOut: readonly string[];
  /** Scope keys where every method was reset: the user sets up MFA at next sign-in. */
  readonly mfaSetupRequired: readonly string[];
  readonly policies: Readonly<Partial<Record<Policy, { url: string; version?: string; acceptedAt: string }>>>;
  /** identityId -> sign-in counts (the rule: sign-in-counts.ts). */
  readonly signIns: Readonly<Record<string, IdentitySignIns>>;
  /** Kinde's `total_sign_ins` and `failed_sign_ins` (the rule: sign-in-counts.ts). */
  readonly signInTotals: SignInTotals;
}

/** A union on status, so a deleted user has no profile to touch. */
export type UserState = { readonly status: 'none' } | (UserProfile & { readonly status: 'active' | 'suspended' | 'access_revoked' }) | { readonly status: 'deleted'; readonly userId: string };

export type ExistingUser = Extract<UserState, { status: 'active' | 'suspended' | 'access_revoked' }>;

export const initialUserState = (): UserState => ({ status: 'none' });

export function mfaScopeKey(scope: MfaScope): string {
  return scope.type === 'environment' ? 'environment' : `organization:${scope.orgCode}`;
}

/** The scope a key names (the inverse of mfaScopeKey). */
export function mfaScopeOfKey(key: string): MfaScope {
  return key.startsWith('organization:') ? { type: 'organization', orgCode: key.slice('organization:'.length) } : { type: 'environment' };
}

/** How the aggregate's identities carry the primary flag (see identity-list.ts). */
export const IDENTITY_FLAG: PrimaryFlag<Identity> = { isPrimary: (i) => i.isPrimary, withPrimary: (i, isPrimary) => ({ ...i, isPrimary }) };

const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];
const without = (a: readonly string[], x: string): string[] => a.filter((v) => v !== x);

function withOrg(user: ExistingUser, orgCode: string, f: (a: OrganizationAccess) => OrganizationAccess): ExistingUser {
  const current = user.organizations[orgCode];
  if (!current) return user;
  return { ...user, organizations: { ...user.organizations, [orgCode]: f(current) } };
}

function withRecord(record: Readonly<Record<string, string>>, key: string, value: string | null): Record<string, string> {
  const next = { ...record };
  if (value === null) delete next[key];
  else next[key] = value;
  return next;
}

function newProfile(data: {
  userId: string;
  firstName?: string;
  lastName?: string;
  picture?: string;
  providedId?: string;
  identities: readonly Identity[];
  organizations: readonly { orgCode: string; roleIds: readonly string[]; permissionIds: readonly string[] }[];
}): ExistingUser {
  const organizations: Record<string, OrganizationAccess> = {};
  for (const m of data.organizations) {
    const prev = organizations[m.orgCode];
    organizations[m.orgCode] = {
      roleIds: union(prev?.roleIds ?? [], m.roleIds),
      permissionIds: union(prev?.permissionIds ?? [], m.permissionIds),
    };
  }
  return {
    status: 'active',
    userId: data.userId,
    ...(data.firstName !== undefined ? { firstName: data.firstName } : {}),
    ...(data.lastName !== undefined ? { lastName: data.lastName } : {}),
    ...(data.picture !== undefined ? { picture: data.picture } : {}),
    ...(data.providedId !== undefined ? { providedId: data.providedId } : {}),
    identities: [...data.identities],
    organizations,
    properties: {},
    featureFlags: {},
    passwordVerified: false,
    passwordResetRequested: false,
    mfaFactors: [],
    mfaOptedOut: [],
    mfaSetupRequired: [],
    policies: {},
    ...noSignIns(),
  };
}

function setName(user: ExistingUser, key: 'firstName' | 'lastName' | 'picture', value: string | null | undefined): ExistingUser {
  if (value === undefined) return user;
  const next = { ...user } as Record<string, unknown>;
  if (value === null) delete next[key];
  else next[key] = value;
  return next as unknown as ExistingUser;
}

const mfaFlags = (user: ExistingUser): MfaScopeFlags => ({ optedOut: user.mfaOptedOut, setupRequired: user.mfaSetupRequired });
const withMfaFlags = (f: MfaScopeFlags) => ({ mfaOptedOut: f.optedOut, mfaSetupRequired: f.setupRequired });

export function evolveUser(state: UserState, event: UserEvent): UserState {
  if (event.type === 'UserCreated' || event.type === 'UserSignedUp') return newProfile(event.data);
  if (event.type === 'UserImported' && state.status === 'none') {
    // A new user from one import record (every bulk-imported user folds through here once): built in one go, not patched.
    const d = event.data;
    return {
      ...newProfile(d),
      properties: { ...d.properties },
      featureFlags: { ...d.featureFlags },
      ...(d.password !== undefined ? { password: { stored: d.password, isTemporary: false, temporaryUsed: false } } : {}),
      passwordVerified: d.passwordVerified ?? false,
    };
  }
  if (state.status === 'none' || state.status === 'deleted') return state;
  const user = state;
  switch (event.type) {
    case 'UserImported':
      return applyImportPatch(user, event.data);
    case 'UserUpdated': {
      let next = setName(user, 'firstName', event.data.firstName);
      next = setName(next, 'lastName', event.data.lastName);
      return setName(next, 'picture', event.data.picture);
    }
    case 'UserSuspended':
      return { ...user, status: 'suspended' };
    case 'UserRestored':
      return { ...user, status: 'active' };
    case 'UserAccessRevoked':
      return { ...user, status: 'access_revoked', organizations: {} };
    case 'UserDeleted':
      return { status: 'deleted', userId: user.userId };
    case 'UserPasswordResetRequested':
      return { ...user, passwordResetRequested: true };
    case 'UserPasswordSet':
      // A new password answers a reset request (the users read model has always cleared it here;
      // the aggregate did not, so sign-in refused PASSWORD_RESET_REQUIRED for good).
      // The one-time code is for imported passwords only ("if you do not also include a TRUE in
      // the password_verified column of the CSV, Kinde will send a one-time password"): a password
      // set here is verified (the users read model has always shown it so).
      return {
        ...user,
        password: { stored: event.data.password, isTemporary: event.data.isTemporary, temporaryUsed: false },
        passwordVerified: true,
        passwordResetRequested: false,
      };
    case 'UserTemporaryPasswordSet':
      return { ...user, password: { stored: event.data.password, isTemporary: true, temporaryUsed: false }, passwordVerified: true };
    case 'UserPasswordUpgraded':
      return { ...user, password: { stored: event.data.password, isTemporary: user.password?.isTemporary ?? false, temporaryUsed: user.password?.temporaryUsed ?? false } };
    case 'UserPasswordVerified':
      return { ...user, passwordVerified: true };
    case 'IdentityAdded':
      return { ...user, identities: addIdentities(user.identities, [event.data.identity], IDENTITY_FLAG) };
    case 'IdentityDeleted':
      return { ...user, identities: deleteIdentity(user.identities, event.data.identityId, event.data.newPrimaryIdentityId, IDENTITY_FLAG) };
    case 'IdentityMadePrimary':
      return { ...user, identities: makeIdentityPrimary(user.identities, event.data.identityId, IDENTITY_FLAG) };
    case 'UserPropertySet':
      return { ...user, properties: withRecord(user.properties, event.data.key, event.data.value) };
    case 'FeatureFlagOverrideSet':
      return { ...user, featureFlags: withRecord(user.featureFlags, event.data.key, event.data.value) };
    case 'MfaFactorEnrolled':
      return {
        ...user,
        mfaFactors: [...user.mfaFactors, { factorId: event.data.factorId, method: event.data.method, scope: event.data.scope }],
        ...withMfaFlags(afterEnrolment(mfaFlags(user), mfaScopeKey(event.data.scope))),
      };
    case 'MfaOptedOut':
      return { ...user, ...withMfaFlags(afterOptOut(mfaFlags(user), mfaScopeKey(event.data.scope))) };
    case 'MfaFactorReset':
      return {
        ...user,
        mfaFactors: user.mfaFactors.filter((f) => f.factorId !== event.data.factorId),
        ...withMfaFlags(afterReset(mfaFlags(user), mfaScopeKey(event.data.scope), event.data)),
      };
    case 'PolicyAccepted': {
      const { policy, url, version, acceptedAt } = event.data;
      return { ...user, policies: { ...user.policies, [policy]: { url, acceptedAt, ...(version !== undefined ? { version } : {}) } } };
    }
    case 'UserAddedToOrganization':
      if (user.organizations[event.data.orgCode]) return user;
      return { ...user, organizations: { ...user.organizations, [event.data.orgCode]: { roleIds: [...event.data.roleIds], permissionIds: [] } } };
    case 'UserRemovedFromOrganization': {
      const organizations = { ...user.organizations };
      delete organizations[event.data.orgCode];
      const key = mfaScopeKey({ type: 'organization', orgCode: event.data.orgCode });
      return { ...user, organizations, mfaFactors: user.mfaFactors.filter((f) => mfaScopeKey(f.scope) !== key) };
    }
    case 'RoleAssignedToUser':
      return withOrg(user, event.data.orgCode, (a) => ({ ...a, roleIds: union(a.roleIds, [event.data.roleId]) }));
    case 'RoleRemovedFromUser':
      return withOrg(user, event.data.orgCode, (a) => ({ ...a, roleIds: without(a.roleIds, event.data.roleId) }));
    case 'PermissionGrantedToUser':
      return withOrg(user, event.data.orgCode, (a) => ({ ...a, permissionIds: union(a.permissionIds, [event.data.permissionId]) }));
    case 'PermissionRevokedFromUser':
      return withOrg(user, event.data.orgCode, (a) => ({ ...a, permissionIds: without(a.permissionIds, event.data.permissionId) }));
    case 'UserSignInSucceeded': {
      const counted: ExistingUser = { ...user, ...countSignIn(user, event.data.identityId, true) };
      if (event.data.method === 'temporary_password' && counted.password) {
        return { ...counted, password: { ...counted.password, temporaryUsed: true } };
      }
      return counted;
    }
    case 'UserSignInFailed':
      return { ...user, ...countSignIn(user, event.data.identityId, false) };
    default:
      return assertNever(event, 'user event');
  }
}

/** UserImported as a patch: present fields are set, collections are added to. */
function applyImportPatch(user: ExistingUser, data: Extract<UserEvent, { type: 'UserImported' }>['data']): ExistingUser {
  let next: ExistingUser = user;
  if (data.firstName !== undefined) next = { ...next, firstName: data.firstName };
  if (data.lastName !== undefined) next = { ...next, lastName: data.lastName };
  if (data.picture !== undefined) next = { ...next, picture: data.picture };
  if (data.providedId !== undefined) next = { ...next, providedId: data.providedId };
  if (data.identities.length > 0) next = { ...next, identities: addIdentities(next.identities, data.identities, IDENTITY_FLAG) };
  if (data.organizations.length > 0) {
    const organizations = { ...next.organizations };
    for (const m of data.organizations) {
      const prev = organizations[m.orgCode];
      organizations[m.orgCode] = {
        roleIds: union(prev?.roleIds ?? [], m.roleIds),
        permissionIds: union(prev?.permissionIds ?? [], m.permissionIds),
      };
    }
    next = { ...next, organizations };
  }
  if (Object.keys(data.properties).length > 0) next = { ...next, properties: { ...next.properties, ...data.properties } };
  if (Object.keys(data.featureFlags).length > 0) next = { ...next, featureFlags: { ...next.featureFlags, ...data.featureFlags } };
  if (data.password !== undefined) next = { ...next, password: { stored: data.password, isTemporary: false, temporaryUsed: false } };
  if (data.passwordVerified !== undefined) next = { ...next, passwordVerified: data.passwordVerified };
  return next;
}
