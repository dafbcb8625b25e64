import { randomUUID } from 'node:crypto';
import { RosterError } from '../../domain/errors';
import { OrgCodeSchema } from '../../domain/shared';
import { streams } from '../../domain/streams';
import { decideSignIn, isExistingUser, type SignInAttemptContext, type SignInNextStep } from '../../domain/user/sign-in';
import { isWrongExpectedRevision, type EventStore } from '../../eventstore/types';
import { needsUpgrade, type PasswordVerifier, type StoredPassword } from '../../passwords';
import { createContext, type CommandContext } from '../context';
import { appendUnknownIdentityFailure, loadSignInState, recordRefusal, toAttemptEvents } from './attempts';
import { SignInError } from './errors';
import type { SignInLimiter } from './limiter';
import { DUMMY_WORK, workKind, type SignInPacer } from './pacing';
import { resolveIdentity } from './resolve-identity';

/**
 * Sign-in with an identity (email, username or phone) and a password.
 *
 * 1. Rate limit: failures per identity and per IP within a sliding window.
 * 2. Resolve the identity to its user (resolve-identity.ts).
 * 3. Verify on the worker pool. Unknown identities and users without a password
 *    verify against the dummy bcrypt hash; fast legacy hashes verify alongside
 *    it, so every 401 costs at least one bcrypt at the configured cost, and the
 *    pacer holds every 401 to the pace of the slowest (pacing.ts).
 * 4. Decide (src/domain/user/sign-in.ts): refusals, a spent temporary password,
 *    the one-time-code step for imported passwords not marked verified, or
 *    success — re-hashing a legacy hash with bcrypt in the same append.
 * 5. Record the attempt as events (attempts.ts).
 */

export interface SignInResult {
  readonly user_id: string;
  /**
   * null: signed in. `set_new_password`: a temporary password was used (it is now
   * spent). `verify_identity`: an imported password not marked
   * `password_verified` — send the user a one-time code, then
   * `markPasswordVerified` and let them sign in again.
   */
  readonly next_step: SignInNextStep;
}

export interface SignInInput {
  /** An email, username or phone number (E.164). Emails and usernames match case-insensitively. */
  readonly identity: string;
  readonly password: string;
  /** The end user's IP (as the product saw it); also the rate-limit key. */
  readonly ip?: string;
  readonly userAgent?: string;
  readonly application?: string;
  readonly orgCode?: string;
  /** Request id, for the events' correlation id. */
  readonly correlationId?: string;
  /** Where the attempt came from, when a trusted header says so. */
  readonly location?: string;
  /** ISO time stamped on the events; default now. */
  readonly occurredAt?: string;
}

export interface SignInDeps {
  readonly store: EventStore;
  readonly passwords: PasswordVerifier;
  /** The configured bcrypt cost: anything else (or anything but bcrypt) is upgraded on success. */
  readonly bcryptCost: number;
  readonly limiter: SignInLimiter;
  /** Holds refusals to one pace (servers always set it; without it refusals answer as soon as decided). */
  readonly pacer?: SignInPacer;
}

type Outcome =
  | { readonly kind: 'refused'; readonly code: 'INVALID_CREDENTIALS' | 'USER_SUSPENDED' | 'PASSWORD_RESET_REQUIRED'; readonly counts: boolean; readonly work: string }
  | { readonly kind: 'signed_in'; readonly result: SignInResult };

/** Appends retried after a concurrent write to the user stream (each round, one writer wins; verification is not repeated). */
const MAX_ROUNDS = 32;

const clip = (s: string | undefined, n: number) => (s === undefined || s === '' ? undefined : s.slice(0, n));

export async function signInWithPassword(deps: SignInDeps, input: SignInInput): Promise<SignInResult> {
  const startedAt = deps.pacer?.now();
  const orgCode = input.orgCode !== undefined && input.orgCode !== '' ? input.orgCode : undefined;
  if (orgCode !== undefined && !OrgCodeSchema.safeParse(orgCode).success) {
    throw new RosterError('invalid', 'INVALID_ORG_CODE', 'org_code must be an organization code (org_ followed by hex)');
  }
  const ip = clip(input.ip, 64);
  const userAgent = clip(input.userAgent, 512);
  const application = clip(input.application, 255);
  const context: SignInAttemptContext = {
    method: 'password',
    ...(ip ? { ip } : {}),
    ...(userAgent ? { userAgent } : {}),
    ...(application ? { application } : {}),
    ...(orgCode ? { orgCode } : {}),
  };
  const attemptId = randomUUID();
  const contextFor = (userId?: string): CommandContext =>
    createContext({
      actor: { type: 'user', ...(userId ? { id: userId } : {}) },
      source: 'self',
      ...(input.occurredAt ? { occurredAt: input.occurredAt } : {}),
      ...(input.correlationId ? { correlationId: input.correlationId } : {}),
      ...(ip ? { ip } : {}),
      ...(userAgent ? { userAgent } : {}),
      ...(application ? { application } : {}),
      ...(input.location ? { location: input.location } : {}),
    });

  const gate = await deps.limiter.begin({ identity: input.identity, ...(ip ? { ip } : {}) });
  if (!gate.allowed) {
    await recordRefusal(deps.store, input.identity, context, 'rate_limited', attemptId, contextFor);
    throw new SignInError('TOO_MANY_ATTEMPTS', gate.retryAfterSeconds);
  }
  let outcome: Outcome;
  try {
    outcome = await attempt(deps, input, context, attemptId, contextFor);
  } catch (err) {
    await gate.ticket.cancelled();
    throw err;
  }
  if (outcome.kind === 'signed_in') {
    await gate.ticket.succeeded();
    return outcome.result;
  }
  if (outcome.counts) await gate.ticket.failed();
  else await gate.ticket.cancelled();
  // Only the answer that also goes to unknown identities needs hiding; the others follow a correct password.
  if (outcome.code === 'INVALID_CREDENTIALS' && deps.pacer && startedAt !== undefined) await deps.pacer.pace(outcome.work, startedAt);
  throw new SignInError(outcome.code);
}

async function attempt(deps: SignInDeps, input: SignInInput, context: SignInAttemptContext, attemptId: string, contextFor: (userId?: string) => CommandContext): Promise<Outcome> {
  const { store, passwords } = deps;
  const unknownIdentity = async (): Promise<Outcome> => {
    await appendUnknownIdentityFailure(store, input.identity, context, 'unknown_identity', attemptId, contextFor());
    return { kind: 'refused', code: 'INVALID_CREDENTIALS', counts: true, work: DUMMY_WORK };
  };

  const resolved = await resolveIdentity(store, input.identity);
  const loaded = resolved ? await loadSignInState(store, resolved.userId) : null;
  if (!resolved || !loaded || !isExistingUser(loaded.state.user)) {
    await passwords.verifyDummy(input.password);
    return unknownIdentity();
  }

  const userId = resolved.userId;
  const streamId = streams.user(userId);
  const ctx = contextFor(userId);
  // Verification is cached by the stored password, so a retry after a concurrent append re-verifies only if the password changed.
  const verified = new Map<string, boolean>();
  const verify = async (stored: StoredPassword | undefined): Promise<boolean> => {
    if (!stored) return passwords.verifyDummy(input.password);
    const key = JSON.stringify(stored);
    const known = verified.get(key);
    if (known !== undefined) return known;
    const legacy = needsUpgrade(stored, deps.bcryptCost);
    // A fast legacy hash (md5, sha256, phpass…) would answer in microseconds: pair it with the dummy bcrypt.
    const [ok] = await Promise.all([passwords.verify(stored, input.password), legacy ? passwords.verifyDummy(input.password) : Promise.resolve(false)]);
    verified.set(key, ok);
    return ok;
  };
  let upgraded: { from: string; to: StoredPassword } | undefined;

  let current = loaded;
  for (let round = 1; ; round++) {
    const user = current.state.user;
    const stored = isExistingUser(user) ? user.password?.stored : undefined;
    const command = {
      type: 'SignInWithPassword' as const,
      data: {
        identity: { type: resolved.kind, value: resolved.value },
        context,
        passwordMatches: isExistingUser(user) ? await verify(stored) : false,
        passwordNeedsUpgrade: stored !== undefined && needsUpgrade(stored, deps.bcryptCost),
        ...(upgraded && upgraded.from === JSON.stringify(stored) ? { upgradedPassword: upgraded.to } : {}),
      },
    };
    let decision = decideSignIn(command, current.state);
    if (decision.kind === 'rehash_first') {
      upgraded = { from: JSON.stringify(stored), to: await passwords.hash(input.password) };
      decision = decideSignIn({ ...command, data: { ...command.data, upgradedPassword: upgraded.to } }, current.state);
    }
    if (decision.kind === 'unknown_identity') return unknownIdentity();
    if (decision.kind === 'rehash_first') throw new Error('sign-in decider asked for a new hash twice');

    const outcome: Outcome =
      decision.kind === 'signed_in'
        ? { kind: 'signed_in', result: { user_id: userId, next_step: decision.nextStep } }
        : { kind: 'refused', code: decision.code, counts: decision.counts, work: stored ? workKind(stored) : DUMMY_WORK };
    try {
      await store.appendToStream(streamId, toAttemptEvents(streamId, current.revision, decision.events, ctx, attemptId), current.revision);
      return outcome;
    } catch (err) {
      // Someone else wrote to the user meanwhile (maybe spent the same temporary password): decide again on fresh state.
      if (!isWrongExpectedRevision(err) || round >= MAX_ROUNDS) throw err;
      current = await loadSignInState(store, userId);
    }
  }
}
