import { describe, expect, it } from 'vitest';
import { eventSchemas } from '../../src/domain/events';
import type { UserEvent } from '../../src/domain/user/events';
import { identityIdFor } from '../../src/domain/user/identity';
import { decideSignIn, evolveSignIn, initialSignInState, type SignInDecision, type SignInRefusalCode, type SignInWithPassword } from '../../src/domain/user/sign-in';
import type { SignInFailureReason } from '../../src/domain/user/events';

/**
 * The sign-in refusal ladder as a pure decider: given the user's events, when a
 * sign-in with the facts the shell found (password matched? hash to replace?),
 * then these events and this answer. No store, no worker pool.
 */

const U = 'kp_0123456789abcdef0123456789abcdef';
const EMAIL_ID = identityIdFor(U, 'email', 'rosy@example.com');
const legacy = { method: 'md5' as const, hash: '5f4dcc3b5aa765d61d8327deb882cf99' };
const bcrypt10 = { method: 'bcrypt' as const, hash: '$2a$10$t8Jz3hJCCTFk/Acja7bw3OpamB3xuLPhpJlRHb31bXIjfzeTfn8rq' };
const rehashed = { method: 'bcrypt' as const, hash: '$2b$10$abcdefghijklmnopqrstuu5Y7bPz0N4u7n2cWmR2wX2pB1nS3bO6e' };

const created: UserEvent = {
  type: 'UserCreated',
  data: { userId: U, identities: [{ id: EMAIL_ID, type: 'email', identity: 'rosy@example.com', isVerified: true, isPrimary: true }], organizations: [] },
};
const imported = (password: typeof legacy | typeof bcrypt10, passwordVerified?: boolean): UserEvent => ({
  type: 'UserImported',
  data: {
    userId: U,
    isNew: true,
    mode: 'merge',
    identities: [{ id: EMAIL_ID, type: 'email', identity: 'rosy@example.com', isVerified: true, isPrimary: true }],
    organizations: [],
    properties: {},
    featureFlags: {},
    password,
    ...(passwordVerified !== undefined ? { passwordVerified } : {}),
  },
});
const passwordSet = (password = bcrypt10): UserEvent => ({ type: 'UserPasswordSet', data: { password, isTemporary: false } });
const temporarySet: UserEvent = { type: 'UserTemporaryPasswordSet', data: { password: bcrypt10 } };
const context = { method: 'password' as const, ip: '203.0.113.9', application: 'shop' };
const attempt = { ...context, identityId: EMAIL_ID, identityType: 'email' as const, identity: 'rosy@example.com' };

type Facts = Partial<Omit<SignInWithPassword['data'], 'identity' | 'context'>> & { typed?: string };
const signIn = (facts: Facts = {}): SignInWithPassword => ({
  type: 'SignInWithPassword',
  data: {
    identity: { type: 'email', value: facts.typed ?? 'Rosy@Example.com' },
    context,
    passwordMatches: facts.passwordMatches ?? true,
    passwordNeedsUpgrade: facts.passwordNeedsUpgrade ?? false,
    ...(facts.upgradedPassword ? { upgradedPassword: facts.upgradedPassword } : {}),
  },
});

/** given(events).when(command).then…: one scenario, one assertion of the whole decision. */
function given(events: readonly UserEvent[]) {
  const state = events.reduce(evolveSignIn, initialSignInState());
  return {
    when(command: SignInWithPassword) {
      const decision = decideSignIn(command, state);
      const events = 'events' in decision ? decision.events : [];
      // Every event the decider produces must be valid against the catalogue.
      for (const e of events) eventSchemas[e.type].parse(e.data);
      return {
        then: (expected: SignInDecision) => expect(decision).toEqual(expected),
        thenRefused: (code: SignInRefusalCode, reason: SignInFailureReason, counts: boolean) =>
          expect(decision).toEqual({ kind: 'refused', code, counts, events: [{ type: 'UserSignInFailed', data: { ...attempt, reason } }] }),
      };
    },
  };
}

describe('sign-in decider: the refusal ladder', () => {
  it('no user (or a deleted one) is an unknown identity', () => {
    given([]).when(signIn()).then({ kind: 'unknown_identity' });
  });

  it('a deleted user is an unknown identity', () => {
    const deleted: UserEvent = { type: 'UserDeleted', data: { removedFromOrganizations: [], releasedEmails: ['rosy@example.com'], releasedUsernames: [], releasedPhones: [] } };
    given([created, passwordSet(), deleted]).when(signIn()).then({ kind: 'unknown_identity' });
  });

  it('a user without a password: INVALID_CREDENTIALS, counted as a failure', () => {
    given([created])
      .when(signIn({ passwordMatches: false }))
      .thenRefused('INVALID_CREDENTIALS', 'no_password', true);
  });

  it('a wrong password: INVALID_CREDENTIALS, counted', () => {
    given([created, passwordSet()])
      .when(signIn({ passwordMatches: false }))
      .thenRefused('INVALID_CREDENTIALS', 'wrong_password', true);
  });

  it('a wrong password on a suspended user is still INVALID_CREDENTIALS (the state is not revealed)', () => {
    given([created, passwordSet(), { type: 'UserSuspended', data: {} }])
      .when(signIn({ passwordMatches: false }))
      .thenRefused('INVALID_CREDENTIALS', 'wrong_password', true);
  });

  it('a spent temporary password: INVALID_CREDENTIALS, counted', () => {
    const used: UserEvent = { type: 'UserSignInSucceeded', data: { ...attempt, method: 'temporary_password' } };
    given([created, temporarySet, used]).when(signIn()).thenRefused('INVALID_CREDENTIALS', 'temporary_password_already_used', true);
  });

  it('suspended, right password: USER_SUSPENDED, not counted', () => {
    given([created, passwordSet(), { type: 'UserSuspended', data: {} }])
      .when(signIn())
      .thenRefused('USER_SUSPENDED', 'user_suspended', false);
  });

  it('access revoked, right password: answered like an unknown account, not counted', () => {
    given([created, passwordSet(), { type: 'UserAccessRevoked', data: { removedFromOrganizations: [] } }])
      .when(signIn())
      .thenRefused('INVALID_CREDENTIALS', 'access_revoked', false);
  });

  it('a reset request, right password: PASSWORD_RESET_REQUIRED, not counted', () => {
    given([created, passwordSet(), { type: 'UserPasswordResetRequested', data: {} }])
      .when(signIn())
      .thenRefused('PASSWORD_RESET_REQUIRED', 'password_reset_required', false);
  });

  it('a reset request answered by a new password: signs in again', () => {
    given([created, passwordSet(), { type: 'UserPasswordResetRequested', data: {} }, passwordSet()])
      .when(signIn())
      .then({ kind: 'signed_in', nextStep: null, events: [{ type: 'UserSignInSucceeded', data: attempt }] });
  });
});

describe('sign-in decider: signing in', () => {
  it('the right password: UserSignInSucceeded, next step null; the identity is the stored one', () => {
    given([created, passwordSet()])
      .when(signIn())
      .then({ kind: 'signed_in', nextStep: null, events: [{ type: 'UserSignInSucceeded', data: attempt }] });
  });

  it('a temporary password signs in once with next step set_new_password, even with a reset request', () => {
    given([created, passwordSet(), { type: 'UserPasswordResetRequested', data: {} }, temporarySet])
      .when(signIn())
      .then({ kind: 'signed_in', nextStep: 'set_new_password', events: [{ type: 'UserSignInSucceeded', data: { ...attempt, method: 'temporary_password' } }] });
  });

  it('a legacy hash, right password, no new hash yet: the shell is asked to re-hash first', () => {
    given([imported(legacy, true)])
      .when(signIn({ passwordNeedsUpgrade: true }))
      .then({ kind: 'rehash_first' });
  });

  it('a legacy hash, right password, with the new hash: UserPasswordUpgraded then UserSignInSucceeded', () => {
    given([imported(legacy, true)])
      .when(signIn({ passwordNeedsUpgrade: true, upgradedPassword: rehashed }))
      .then({
        kind: 'signed_in',
        nextStep: null,
        events: [
          { type: 'UserPasswordUpgraded', data: { password: rehashed, fromMethod: 'md5' } },
          { type: 'UserSignInSucceeded', data: attempt },
        ],
      });
  });

  it('a wrong password on a legacy hash never asks for a new hash', () => {
    given([imported(legacy, true)])
      .when(signIn({ passwordMatches: false, passwordNeedsUpgrade: true }))
      .thenRefused('INVALID_CREDENTIALS', 'wrong_password', true);
  });

  it('an imported password not marked verified: next step verify_identity, recorded as password_not_verified', () => {
    given([imported(bcrypt10)])
      .when(signIn())
      .then({ kind: 'signed_in', nextStep: 'verify_identity', events: [{ type: 'UserSignInFailed', data: { ...attempt, reason: 'password_not_verified' } }] });
  });

  it('an imported password once verified signs in', () => {
    given([imported(bcrypt10), { type: 'UserPasswordVerified', data: {} }])
      .when(signIn())
      .then({ kind: 'signed_in', nextStep: null, events: [{ type: 'UserSignInSucceeded', data: attempt }] });
  });

  it('a password set by an admin after an unverified import needs no one-time code', () => {
    given([imported(bcrypt10), passwordSet()])
      .when(signIn())
      .then({ kind: 'signed_in', nextStep: null, events: [{ type: 'UserSignInSucceeded', data: attempt }] });
  });

  it('a typed identity the user does not hold is recorded as typed', () => {
    given([created, passwordSet()])
      .when(signIn({ typed: 'other@example.com' }))
      .then({ kind: 'signed_in', nextStep: null, events: [{ type: 'UserSignInSucceeded', data: { ...context, identityType: 'email', identity: 'other@example.com' } }] });
  });
});
