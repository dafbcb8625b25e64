import { assertNever, type Decider } from '../shared';
import type { UserEvent } from './events';
import { evolveUser, initialUserState, type UserState } from './state';
import { decideIdentities, type IdentityCommand } from './decide/identities';
import { decideLifecycle, type LifecycleCommand } from './decide/lifecycle';
import { decideMfa, type MfaCommand } from './decide/mfa';
import { decideOrganizations, type OrganizationCommand } from './decide/organizations';
import { decidePasswords, type PasswordCommand } from './decide/passwords';
import { decideProfile, type ProfileCommand } from './decide/profile';

// The user aggregate's one decide entry point. Each concern's commands and their rules live in decide/<concern>.ts;
// this file only routes a command to its concern (the never check makes an unrouted command a compile error).

export type UserCommand = LifecycleCommand | ProfileCommand | IdentityCommand | PasswordCommand | MfaCommand | OrganizationCommand;

export function decideUser(command: UserCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'CreateUser':
    case 'SignUp':
    case 'ImportUser':
    case 'SuspendUser':
    case 'RestoreUser':
    case 'DeleteUser':
      return decideLifecycle(command, state);
    case 'UpdateUser':
    case 'SetUserProperty':
    case 'SetFeatureFlagOverride':
    case 'AcceptPolicy':
      return decideProfile(command, state);
    case 'AddIdentity':
    case 'DeleteIdentity':
    case 'MakeIdentityPrimary':
      return decideIdentities(command, state);
    case 'RequestPasswordReset':
    case 'SetPassword':
    case 'SetTemporaryPassword':
    case 'UpgradePassword':
    case 'MarkPasswordVerified':
    case 'RecordSignInSucceeded':
    case 'RecordSignInFailed':
      return decidePasswords(command, state);
    case 'EnrollMfaFactor':
    case 'OptOutOfMfa':
    case 'ResetMfa':
      return decideMfa(command, state);
    case 'AddUserToOrganization':
    case 'RemoveUserFromOrganization':
    case 'AssignRole':
    case 'RemoveRole':
    case 'GrantPermission':
    case 'RevokePermission':
      return decideOrganizations(command, state);
    default:
      return assertNever(command, 'user command');
  }
}

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: initialUserState,
  evolve: evolveUser,
  decide: decideUser,
};
