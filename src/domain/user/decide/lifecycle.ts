import type { BusinessSettings } from '../../business-settings/events';
import { DomainError } from '../../errors';
import { assertNever, type Command } from '../../shared';
import type { Policy, UserEvent } from '../events';
import { buildIdentities } from '../build-identities';
import { normalizeIdentity, type IdentityInput } from '../identity';
import { decideImport, type ImportMode, type ImportRecord } from '../import';
import type { UserState } from '../state';
import { existing } from './guards';
import type { NewMembership } from './organizations';

// A user's life: created by an admin, signed up, imported, suspended and restored, access revoked or deleted.

export type LifecycleCommand =
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
  | Command<'SuspendUser', { reason?: string }>
  | Command<'RestoreUser', Record<string, never>>
  | Command<'DeleteUser', { extent: 'revoke_access' | 'delete_profile' }>;

function assertNew(state: UserState): void {
  if (state.status !== 'none') throw new DomainError('USER_ALREADY_EXISTS', 'user already exists');
}

function memberships(list: readonly NewMembership[]) {
  const seen = new Map<string, Set<string>>();
  for (const m of list) seen.set(m.orgCode, new Set([...(seen.get(m.orgCode) ?? []), ...m.roleIds]));
  return [...seen].map(([orgCode, roleIds]) => ({ orgCode, roleIds: [...roleIds], permissionIds: [] as string[] }));
}

export function decideLifecycle(command: LifecycleCommand, state: UserState): UserEvent[] {
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
    default:
      return assertNever(command, 'user command');
  }
}
