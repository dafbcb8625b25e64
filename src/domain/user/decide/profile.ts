import { assertNever, type Command } from '../../shared';
import type { Policy, UserEvent } from '../events';
import type { ExistingUser, UserState } from '../state';
import { existing } from './guards';

// The user's profile: names and picture, properties, feature flag overrides, accepted policies.

export type ProfileCommand =
  | Command<'UpdateUser', { firstName?: string | null; lastName?: string | null; picture?: string | null }>
  | Command<'SetUserProperty', { key: string; value: string | null }>
  | Command<'SetFeatureFlagOverride', { key: string; value: string | null }>
  | Command<'AcceptPolicy', { policy: Policy; url: string; version?: string; acceptedAt: string }>;

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

export function decideProfile(command: ProfileCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'UpdateUser': {
      const user = existing(state);
      const changes = nameChanges(user, command.data);
      return Object.keys(changes).length === 0 ? [] : [{ type: 'UserUpdated', data: changes }];
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
    case 'AcceptPolicy': {
      const user = existing(state);
      const { policy, url, version, acceptedAt } = command.data;
      const current = user.policies[policy];
      // Re-accepting the same policy version changes nothing; an updated policy records a new date.
      if (current && current.url === url && current.version === version) return [];
      return [{ type: 'PolicyAccepted', data: { policy, url, acceptedAt, ...(version !== undefined ? { version } : {}) } }];
    }
    default:
      return assertNever(command, 'user command');
  }
}
