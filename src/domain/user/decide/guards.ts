import { DomainError } from '../../errors';
import { assertNever } from '../../shared';
import type { ExistingUser, UserState } from '../state';

// The checks most user commands start with: the user exists (and is not deleted); the user is a member of the organization.

export function existing(state: UserState): ExistingUser {
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

export function member(user: ExistingUser, orgCode: string) {
  const access = user.organizations[orgCode];
  if (!access) {
    throw new DomainError('USER_NOT_IN_ORGANIZATION', 'roles and permissions can only be assigned to members of the organization', { orgCode });
  }
  return access;
}
