import { DomainError } from '../../errors';
import { assertNever, type Command } from '../../shared';
import type { SignInFailureReason, StoredPassword, UserEvent, UserEventOf } from '../events';
import { samePassword } from '../same-password';
import type { UserState } from '../state';
import { existing } from './guards';

// Passwords and sign-in: setting, resetting, upgrading and verifying a password; recording sign-in outcomes (the refusal ladder itself is sign-in.ts).

export type TemporaryPasswordStrength = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export type SignInInput = UserEventOf<'UserSignInSucceeded'>['data'];

export type PasswordCommand =
  | Command<'RequestPasswordReset', Record<string, never>>
  | Command<'SetPassword', { password: StoredPassword; isTemporary: boolean }>
  | Command<'SetTemporaryPassword', { password: StoredPassword; strength: TemporaryPasswordStrength }>
  | Command<'UpgradePassword', { password: StoredPassword }>
  | Command<'MarkPasswordVerified', { identityId?: string }>
  | Command<'RecordSignInSucceeded', SignInInput>
  | Command<'RecordSignInFailed', SignInInput & { reason: SignInFailureReason }>;

export function decidePasswords(command: PasswordCommand, state: UserState): UserEvent[] {
  switch (command.type) {
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
