import { DomainError } from '../../errors';
import { assertNever, type Command } from '../../shared';
import type { UserEvent } from '../events';
import { buildIdentities, firstContactIndex } from '../build-identities';
import { isContactIdentity, type IdentityInput } from '../identity';
import type { UserState } from '../state';
import { existing } from './guards';

// A user's identities (email, phone, username, federated): adding, deleting, choosing the primary one.

export type IdentityCommand =
  Command<'AddIdentity', { identity: IdentityInput; makePrimary?: boolean }> | Command<'DeleteIdentity', { identityId: string }> | Command<'MakeIdentityPrimary', { identityId: string }>;

export function decideIdentities(command: IdentityCommand, state: UserState): UserEvent[] {
  switch (command.type) {
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
    default:
      return assertNever(command, 'user command');
  }
}
