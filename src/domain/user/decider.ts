import type { BusinessSettings } from '../business-settings/events';
import { DomainError } from '../errors';
import { assertNever, type Command, type Decider } from '../shared';
import type { MfaMethod, MfaScope, Policy, SignInFailureReason, StoredPassword, UserEvent, UserEventOf } from './events';
import { buildIdentities, firstContactIndex } from './build-identities';
import { isContactIdentity, normalizeIdentity, type IdentityInput } from './identity';
import { samePassword } from './same-password';
import { decideImport, type ImportMode, type ImportRecord } from './import';
import { evolveUser, initialUserState, mfaScopeKey, type ExistingUser, type UserState } from './state';

// ---- commands -------------------------------------------------------------------

export interface NewMembership {
  readonly orgCode: string;
  /** Default roles already resolved by the handler (business "assign to new users" + the organization's default roles). */
  readonly roleIds: readonly string[];
}

export type TemporaryPasswordStrength = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export type UserCommand =
  | Command<
      'CreateUser',
      {
        userId: string;
        firstName?: string;
        lastName?: string;
        picture?: string;
        providedId?: string;
        identities: readonly IdentityInput[];
        organizations: readonly NewMembership[];
      }
    >
  | Command<
      'SignUp',
      {
        userId: string;
        firstName?: string;
        lastName?: string;
        identities: readonly IdentityInput[];
        organizations: readonly NewMembership[];
        settings: BusinessSettings;
        /** What the user ticked at sign-up (explicit acceptance). */
        accepted: { terms?: boolean; privacy?: boolean };
        now: string;
      }
    >
  | Command<'ImportUser', { record: ImportRecord; mode: ImportMode }>
  | Command<'UpdateUser', { firstName?: string | null; lastName?: string | null; picture?: string | null }>
  | Command<'SuspendUser', { reason?: string }>
  | Command<'RestoreUser', Record<string, never>>
  | Command<'DeleteUser', { extent: 'revoke_access' | 'delete_profile' }>
  | Command<'RequestPasswordReset', Record<string, never>>
  | Command<'SetPassword', { password: StoredPassword; isTemporary: boolean }>
  | Command<'SetTemporaryPassword', { password: StoredPassword; strength: TemporaryPasswordStrength }>
  | Command<'UpgradePassword', { password: StoredPassword }>
  | Command<'MarkPasswordVerified', { identityId?: string }>
  | Command<'AddIdentity', { identity: IdentityInput; makePrimary?: boolean }>
  | Command<'DeleteIdentity', { identityId: string }>
  | Command<'MakeIdentityPrimary', { identityId: string }>
  | Command<'SetUserProperty', { key: string; value: string | null }>
  | Command<'SetFeatureFlagOverride', { key: string; value: string | null }>
  | Command<'EnrollMfaFactor', { factorId: string; method: MfaMethod; scope: MfaScope }>
  | Command<'OptOutOfMfa', { scope: MfaScope }>
  | Command<'ResetMfa', { scope: MfaScope; method?: MfaMethod; factorId?: string }>
  | Command<'AcceptPolicy', { policy: Policy; url: string; version?: string; acceptedAt: string }>
  | Command<'AddUserToOrganization', NewMembership>
  | Command<'RemoveUserFromOrganization', { orgCode: string }>
  | Command<'AssignRole', { orgCode: string; roleId: string; roleExists: boolean }>
  | Command<'RemoveRole', { orgCode: string; roleId: string }>
  | Command<'GrantPermission', { orgCode: string; permissionId: string; permissionExists: boolean }>
  | Command<'RevokePermission', { orgCode: string; permissionId: string }>
  | Command<'RecordSignInSucceeded', SignInInput>
  | Command<'RecordSignInFailed', SignInInput & { reason: SignInFailureReason }>;

export type SignInInput = UserEventOf<'UserSignInSucceeded'>['data'];

// ---- helpers ----------------------------------------------------------------------

function existing(state: UserState): ExistingUser {
  switch (state.status) {
    case 'none':
      throw new DomainError('USER_NOT_FOUND', 'user not found');
    case 'deleted':
      throw new DomainError('USER_DELETED', 'user has been deleted', { userId: state.userId });
    case 'active':
    case 'suspended':
    case 'access_revoked':
      return state;
    default:
      return assertNever(state, 'user state');
  }
}

function member(user: ExistingUser, orgCode: string) {
  const access = user.organizations[orgCode];
  if (!access) {
    throw new DomainError('USER_NOT_IN_ORGANIZATION', 'roles and permissions can only be assigned to members of the organization', { orgCode });
  }
  return access;
}

function assertNew(state: UserState): void {
  if (state.status !== 'none') throw new DomainError('USER_ALREADY_EXISTS', 'user already exists');
}

function memberships(list: readonly NewMembership[]) {
  const seen = new Map<string, Set<string>>();
  for (const m of list) seen.set(m.orgCode, new Set([...(seen.get(m.orgCode) ?? []), ...m.roleIds]));
  return [...seen].map(([orgCode, roleIds]) => ({ orgCode, roleIds: [...roleIds], permissionIds: [] as string[] }));
}

function nameChanges(user: ExistingUser, data: { firstName?: string | null; lastName?: string | null; picture?: string | null }) {
  const out: { firstName?: string | null; lastName?: string | null; picture?: string | null } = {};
  for (const key of ['firstName', 'lastName', 'picture'] as const) {
    const value = data[key];
    if (value === undefined) continue;
    const normalized = value === '' ? null : value;
    if ((user[key] ?? null) !== normalized) out[key] = normalized;
  }
  return out;
}

function sameScope(a: MfaScope, b: MfaScope) {
  return mfaScopeKey(a) === mfaScopeKey(b);
}

// ---- decide -----------------------------------------------------------------------

export function decideUser(command: UserCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'CreateUser': {
      assertNew(state);
      const d = command.data;
      const identities = buildIdentities(d.userId, [], d.identities);
      return [
        {
          type: 'UserCreated',
          data: {
            userId: d.userId,
            ...(d.firstName !== undefined ? { firstName: d.firstName } : {}),
            ...(d.lastName !== undefined ? { lastName: d.lastName } : {}),
            ...(d.picture !== undefined ? { picture: d.picture } : {}),
            ...(d.providedId !== undefined ? { providedId: d.providedId } : {}),
            identities,
            organizations: memberships(d.organizations),
          },
        },
      ];
    }
    case 'SignUp': {
      assertNew(state);
      const d = command.data;
      // "Allow self-sign up … switch off … if you would prefer your users to be invitation only."
      if (!d.settings.allowSelfSignUp) throw new DomainError('SELF_SIGN_UP_DISABLED', 'self sign-up is not allowed; users are invitation only');
      if (d.identities.length === 0) throw new DomainError('IDENTITY_REQUIRED', 'sign-up needs at least one identity');
      const identities = buildIdentities(d.userId, [], d.identities);
      const policies: { policy: Policy; url: string }[] = [];
      if (d.settings.termsUrl) policies.push({ policy: 'terms', url: d.settings.termsUrl });
      if (d.settings.privacyUrl) policies.push({ policy: 'privacy', url: d.settings.privacyUrl });
      const events: UserEvent[] = [
        {
          type: 'UserSignedUp',
          data: {
            userId: d.userId,
            ...(d.firstName !== undefined ? { firstName: d.firstName } : {}),
            ...(d.lastName !== undefined ? { lastName: d.lastName } : {}),
            identities,
            organizations: memberships(d.organizations),
          },
        },
      ];
      if (d.settings.showPolicyAcceptance) {
        // "they will be prompted to select the acceptance checkbox before they are allowed to sign up"
        const missing = policies.filter((p) => !d.accepted[p.policy]).map((p) => p.policy);
        if (missing.length > 0) {
          throw new DomainError('POLICY_ACCEPTANCE_REQUIRED', `sign-up requires accepting: ${missing.join(', ')}`, { policies: missing });
        }
        for (const p of policies) events.push({ type: 'PolicyAccepted', data: { policy: p.policy, url: p.url, acceptedAt: d.now } });
      }
      return events;
    }
    case 'ImportUser':
      return decideImport(state, command.data.record, command.data.mode);
    case 'UpdateUser': {
      const user = existing(state);
      const changes = nameChanges(user, command.data);
      return Object.keys(changes).length === 0 ? [] : [{ type: 'UserUpdated', data: changes }];
    }
    case 'SuspendUser': {
      const user = existing(state);
      if (user.status === 'suspended') return [];
      if (user.status === 'access_revoked') throw new DomainError('USER_ACCESS_REVOKED', 'user access has been revoked');
      return [{ type: 'UserSuspended', data: command.data.reason !== undefined ? { reason: command.data.reason } : {} }];
    }
    case 'RestoreUser': {
      const user = existing(state);
      if (user.status === 'active') return [];
      return [{ type: 'UserRestored', data: {} }];
    }
    case 'DeleteUser': {
      const user = existing(state);
      const orgs = Object.keys(user.organizations);
      if (command.data.extent === 'revoke_access') {
        if (user.status === 'access_revoked') return [];
        return [{ type: 'UserAccessRevoked', data: { removedFromOrganizations: orgs } }];
      }
      const values = (type: string) => user.identities.filter((i) => i.type === type).map((i) => normalizeIdentity(i.type, i.identity));
      const federated = user.identities.filter((i) => i.type.startsWith('oauth2:') || i.type.startsWith('enterprise:')).map((i) => ({ type: i.type, identity: i.identity }));
      return [
        {
          type: 'UserDeleted',
          data: {
            removedFromOrganizations: orgs,
            releasedEmails: values('email'),
            releasedUsernames: values('username'),
            releasedPhones: values('phone'),
            ...(user.providedId !== undefined ? { releasedProvidedId: user.providedId } : {}),
            ...(federated.length ? { releasedIdentities: federated } : {}),
          },
        },
      ];
    }
    case 'RequestPasswordReset': {
      const user = existing(state);
      return user.passwordResetRequested ? [] : [{ type: 'UserPasswordResetRequested', data: {} }];
    }
    case 'SetPassword': {
      const user = existing(state);
      const { password, isTemporary } = command.data;
      if (user.password && samePassword(user.password.stored, password) && user.password.isTemporary === isTemporary && !user.password.temporaryUsed) return [];
      return [{ type: 'UserPasswordSet', data: { password, isTemporary } }];
    }
    case 'SetTemporaryPassword': {
      existing(state);
      const { strength, password } = command.data;
      // "The password must be more than 8 characters, not common or guessable (e.g. not Password123)."
      if (!strength.ok) throw new DomainError('PASSWORD_TOO_WEAK', `temporary password rejected: ${strength.reason}`);
      return [{ type: 'UserTemporaryPasswordSet', data: { password } }];
    }
    case 'UpgradePassword': {
      const user = existing(state);
      if (!user.password) throw new DomainError('PASSWORD_INVALID', 'user has no password to upgrade');
      if (samePassword(user.password.stored, command.data.password)) return [];
      return [{ type: 'UserPasswordUpgraded', data: { password: command.data.password, fromMethod: user.password.stored.method } }];
    }
    case 'MarkPasswordVerified': {
      const user = existing(state);
      if (user.passwordVerified) return [];
      return [{ type: 'UserPasswordVerified', data: command.data.identityId !== undefined ? { identityId: command.data.identityId } : {} }];
    }
    case 'AddIdentity': {
      const user = existing(state);
      const added = buildIdentities(user.userId, user.identities, [command.data.identity], command.data.makePrimary ?? false);
      return added.map((identity) => ({ type: 'IdentityAdded', data: { identity } }));
    }
    case 'DeleteIdentity': {
      const user = existing(state);
      const target = user.identities.find((i) => i.id === command.data.identityId);
      if (!target) return [];
      const rest = user.identities.filter((i) => i.id !== target.id);
      const next = target.isPrimary ? rest[firstContactIndex(rest)] : undefined;
      return [
        {
          type: 'IdentityDeleted',
          data: {
            identityId: target.id,
            type: target.type,
            identity: target.identity,
            ...(next ? { newPrimaryIdentityId: next.id } : {}),
          },
        },
      ];
    }
    case 'MakeIdentityPrimary': {
      const user = existing(state);
      const target = user.identities.find((i) => i.id === command.data.identityId);
      if (!target) throw new DomainError('IDENTITY_NOT_FOUND', 'identity not found', { identityId: command.data.identityId });
      if (!isContactIdentity(target.type)) throw new DomainError('IDENTITY_NOT_CONTACT', 'only an email or phone identity can be primary');
      if (target.isPrimary) return [];
      const previous = user.identities.find((i) => i.isPrimary);
      return [{ type: 'IdentityMadePrimary', data: { identityId: target.id, ...(previous ? { previousPrimaryIdentityId: previous.id } : {}) } }];
    }
    case 'SetUserProperty': {
      const user = existing(state);
      const { key, value } = command.data;
      if ((user.properties[key] ?? null) === value) return [];
      return [{ type: 'UserPropertySet', data: { key, value } }];
    }
    case 'SetFeatureFlagOverride': {
      const user = existing(state);
      const { key, value } = command.data;
      if ((user.featureFlags[key] ?? null) === value) return [];
      return [{ type: 'FeatureFlagOverrideSet', data: { key, value } }];
    }
    case 'EnrollMfaFactor': {
      const user = existing(state);
      const { scope, method, factorId } = command.data;
      if (scope.type === 'organization') member(user, scope.orgCode);
      if (user.mfaFactors.some((f) => f.method === method && sameScope(f.scope, scope))) return [];
      return [{ type: 'MfaFactorEnrolled', data: { factorId, method, scope } }];
    }
    case 'OptOutOfMfa': {
      const user = existing(state);
      if (user.mfaOptedOut.includes(mfaScopeKey(command.data.scope))) return [];
      return [{ type: 'MfaOptedOut', data: { scope: command.data.scope } }];
    }
    case 'ResetMfa': {
      const user = existing(state);
      const { scope, method, factorId } = command.data;
      const inScope = user.mfaFactors.filter((f) => sameScope(f.scope, scope));
      const target = inScope.find((f) => (factorId !== undefined ? f.factorId === factorId : f.method === method));
      if (!target) throw new DomainError('MFA_FACTOR_NOT_FOUND', 'no such MFA method in this scope');
      const key = mfaScopeKey(scope);
      return [
        {
          type: 'MfaFactorReset',
          data: {
            factorId: target.factorId,
            method: target.method,
            scope,
            // "If a user has multiple MFA methods set up, you need to remove each method to fully reset MFA."
            scopeFullyReset: inScope.length === 1,
            // "If the user has previously opted out of MFA, they will be prompted to opt-in again."
            optInRequired: user.mfaOptedOut.includes(key),
          },
        },
      ];
    }
    case 'AcceptPolicy': {
      const user = existing(state);
      const { policy, url, version, acceptedAt } = command.data;
      const current = user.policies[policy];
      // Re-accepting the same policy version changes nothing; an updated policy records a new date.
      if (current && current.url === url && current.version === version) return [];
      return [{ type: 'PolicyAccepted', data: { policy, url, acceptedAt, ...(version !== undefined ? { version } : {}) } }];
    }
    case 'AddUserToOrganization': {
      const user = existing(state);
      if (user.organizations[command.data.orgCode]) return [];
      return [{ type: 'UserAddedToOrganization', data: { orgCode: command.data.orgCode, roleIds: [...new Set(command.data.roleIds)] } }];
    }
    case 'RemoveUserFromOrganization': {
      const user = existing(state);
      if (!user.organizations[command.data.orgCode]) return [];
      return [{ type: 'UserRemovedFromOrganization', data: { orgCode: command.data.orgCode } }];
    }
    case 'AssignRole': {
      const access = member(existing(state), command.data.orgCode);
      if (!command.data.roleExists) throw new DomainError('ROLE_NOT_FOUND', 'role not found', { roleId: command.data.roleId });
      if (access.roleIds.includes(command.data.roleId)) return [];
      return [{ type: 'RoleAssignedToUser', data: { orgCode: command.data.orgCode, roleId: command.data.roleId } }];
    }
    case 'RemoveRole': {
      const access = member(existing(state), command.data.orgCode);
      if (!access.roleIds.includes(command.data.roleId)) return [];
      return [{ type: 'RoleRemovedFromUser', data: { orgCode: command.data.orgCode, roleId: command.data.roleId } }];
    }
    case 'GrantPermission': {
      const access = member(existing(state), command.data.orgCode);
      if (!command.data.permissionExists) throw new DomainError('PERMISSION_NOT_FOUND', 'permission not found', { permissionId: command.data.permissionId });
      if (access.permissionIds.includes(command.data.permissionId)) return [];
      return [{ type: 'PermissionGrantedToUser', data: { orgCode: command.data.orgCode, permissionId: command.data.permissionId } }];
    }
    case 'RevokePermission': {
      const access = member(existing(state), command.data.orgCode);
      if (!access.permissionIds.includes(command.data.permissionId)) return [];
      return [{ type: 'PermissionRevokedFromUser', data: { orgCode: command.data.orgCode, permissionId: command.data.permissionId } }];
    }
    case 'RecordSignInSucceeded':
      existing(state);
      return [{ type: 'UserSignInSucceeded', data: command.data }];
    case 'RecordSignInFailed':
      existing(state);
      return [{ type: 'UserSignInFailed', data: command.data }];
    default:
      return assertNever(command, 'user command');
  }
}

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: initialUserState,
  evolve: evolveUser,
  decide: decideUser,
};
