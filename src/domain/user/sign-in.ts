import type { SignInFailureReason, StoredPassword, UserEvent, UserEventOf } from './events';
import { normalizeIdentity, type Identity } from './identity';
import { evolveUser, initialUserState, type ExistingUser, type UserState } from './state';

/**
 * The sign-in rules, pure: given the user's events and the facts the shell
 * found out (did the password match? does its hash need replacing?), which
 * events record the attempt and what the caller is told. The worker pool, the
 * store and the rate limiter stay in src/commands/sign-in.
 *
 * Account states (suspended, reset requested, spent temporary password) are
 * only revealed after a correct password, so they cannot be used to probe
 * which identities exist.
 */

// ---- state: the user plus where the current password came from -------------------

export interface SignInState {
  readonly user: UserState;
  /** The current password came from an import (not set by an admin or the API). */
  readonly passwordFromImport: boolean;
}

export const initialSignInState = (): SignInState => ({ user: initialUserState(), passwordFromImport: false });

export function evolveSignIn(state: SignInState, event: UserEvent): SignInState {
  const user = evolveUser(state.user, event);
  if (event.type === 'UserImported' && event.data.password !== undefined) return { user, passwordFromImport: true };
  if (event.type === 'UserPasswordSet' || event.type === 'UserTemporaryPasswordSet') return { user, passwordFromImport: false };
  return { user, passwordFromImport: state.passwordFromImport };
}

export const isExistingUser = (s: UserState): s is ExistingUser => s.status === 'active' || s.status === 'suspended' || s.status === 'access_revoked';

// ---- the command -------------------------------------------------------------------

/** What every attempt event carries besides the identity: method, ip, user agent, application, organization. */
export type SignInAttemptContext = Omit<UserEventOf<'UserSignInSucceeded'>['data'], 'identityId' | 'identityType' | 'identity'>;

export type SignInIdentityType = 'email' | 'phone' | 'username';

export interface SignInWithPassword {
  readonly type: 'SignInWithPassword';
  readonly data: {
    /** The identity as resolved (its type, and the value typed). */
    readonly identity: { readonly type: SignInIdentityType; readonly value: string };
    readonly context: SignInAttemptContext;
    /** The shell verified the password against the current stored hash (false when there is none). */
    readonly passwordMatches: boolean;
    /** The current hash is not bcrypt at the configured cost: a successful sign-in replaces it. */
    readonly passwordNeedsUpgrade: boolean;
    /** The replacement hash, once the shell was asked for it (`rehash_first`). */
    readonly upgradedPassword?: StoredPassword;
  };
}

/** Kinds of refusal; the HTTP layer gives them their status. */
export type SignInRefusalCode = 'INVALID_CREDENTIALS' | 'USER_SUSPENDED' | 'PASSWORD_RESET_REQUIRED';

export type SignInNextStep = null | 'set_new_password' | 'verify_identity';

export type SignInDecision =
  /** No user holds the identity (any more): record on the identity's failure stream. */
  | { readonly kind: 'unknown_identity' }
  /**
   * `counts`: the attempt counts as a failure for the rate limiter (a wrong
   * password); a refusal after the right password (suspended, reset required)
   * does not.
   */
  | { readonly kind: 'refused'; readonly code: SignInRefusalCode; readonly counts: boolean; readonly events: readonly UserEvent[] }
  | { readonly kind: 'signed_in'; readonly nextStep: SignInNextStep; readonly events: readonly UserEvent[] }
  /** The right password with a hash to replace: hash it and decide again with `upgradedPassword`. */
  | { readonly kind: 'rehash_first' };

/** The user's identity matching what was typed (same type, same normalised value). */
export function findSignInIdentity(user: ExistingUser, type: SignInIdentityType, value: string): Identity | undefined {
  const wanted = normalizeIdentity(type, value);
  return user.identities.find((i) => i.type === type && normalizeIdentity(i.type, i.identity) === wanted);
}

export function decideSignIn(command: SignInWithPassword, state: SignInState): SignInDecision {
  const { identity: typed, context, passwordMatches, passwordNeedsUpgrade, upgradedPassword } = command.data;
  const user = state.user;
  // Deleted (or never created) between the lookup and now: an unknown identity.
  if (!isExistingUser(user)) return { kind: 'unknown_identity' };

  const identity = findSignInIdentity(user, typed.type, typed.value);
  const data: UserEventOf<'UserSignInSucceeded'>['data'] = {
    ...context,
    ...(identity ? { identityId: identity.id, identityType: identity.type, identity: identity.identity } : { identityType: typed.type, identity: typed.value }),
  };
  const refuse = (reason: SignInFailureReason, code: SignInRefusalCode, counts: boolean): SignInDecision => ({
    kind: 'refused',
    code,
    counts,
    events: [{ type: 'UserSignInFailed', data: { ...data, reason } }],
  });

  // The refusal ladder, in order: nothing about the account is revealed before the password is proven.
  const pw = user.password;
  if (!pw) return refuse('no_password', 'INVALID_CREDENTIALS', true);
  if (!passwordMatches) return refuse('wrong_password', 'INVALID_CREDENTIALS', true);
  // "Once used, the temporary password becomes invalid."
  if (pw.isTemporary && pw.temporaryUsed) return refuse('temporary_password_already_used', 'INVALID_CREDENTIALS', true);
  if (user.status === 'suspended') return refuse('user_suspended', 'USER_SUSPENDED', false);
  // "Remove the user's access and ability to sign in": answered like an unknown account.
  if (user.status === 'access_revoked') return refuse('access_revoked', 'INVALID_CREDENTIALS', false);
  // "They will be immediately prompted to set a new password of their own creation." Also satisfies a reset request.
  if (pw.isTemporary) {
    return { kind: 'signed_in', nextStep: 'set_new_password', events: [{ type: 'UserSignInSucceeded', data: { ...data, method: 'temporary_password' } }] };
  }
  // "The next time the user signs in, they will be prompted to change their password."
  if (user.passwordResetRequested) return refuse('password_reset_required', 'PASSWORD_RESET_REQUIRED', false);

  // The password is proven: a legacy hash is replaced in the same append.
  const events: UserEvent[] = [];
  if (passwordNeedsUpgrade) {
    if (!upgradedPassword) return { kind: 'rehash_first' };
    events.push({ type: 'UserPasswordUpgraded', data: { password: upgradedPassword, fromMethod: pw.stored.method } });
  }
  // Imported without password_verified=TRUE: "Kinde will send a one-time password to the user the first time they try to sign in".
  if (state.passwordFromImport && !user.passwordVerified) {
    events.push({ type: 'UserSignInFailed', data: { ...data, reason: 'password_not_verified' } });
    return { kind: 'signed_in', nextStep: 'verify_identity', events };
  }
  events.push({ type: 'UserSignInSucceeded', data });
  return { kind: 'signed_in', nextStep: null, events };
}
