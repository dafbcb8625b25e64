import { createHash, randomUUID } from 'node:crypto';
import { eventSchemas } from '../domain/events';
import type { ReservationKind } from '../domain/reservation/events';
import { OrgCodeSchema } from '../domain/shared';
import { reservationValue, streams } from '../domain/streams';
import { decideUser } from '../domain/user/decider';
import type { SignInFailureReason, UserEvent, UserEventOf } from '../domain/user/events';
import { normalizeIdentity, type Identity } from '../domain/user/identity';
import { evolveUser, initialUserState, type ExistingUser, type UserState } from '../domain/user/state';
import { deterministicUuid } from '../eventstore/ids';
import { isWrongExpectedRevision, uniqueKey, type EventData, type EventStore, type RecordedEvent } from '../eventstore/types';
import { needsUpgrade, type PasswordVerifier, type StoredPassword } from '../passwords';
import { createContext, metadataFor, type CommandContext } from './context';

/**
 * Sign-in with an identity (email, username or phone) and a password.
 *
 * 1. Rate limit: failures per identity and per IP within a sliding window
 *    (in memory, per process; temporary by construction — never a lockout).
 * 2. Resolve the identity through the store's unique values (no read-model lag).
 * 3. Verify on the worker pool. Unknown identities and users without a password
 *    verify against the dummy bcrypt hash; fast legacy hashes verify alongside
 *    it, so every 401 costs at least one bcrypt at the configured cost.
 * 4. Decide: refusals (401/403), a spent temporary password, the one-time-code
 *    step for imported passwords not marked verified, or success — re-hashing a
 *    legacy hash with bcrypt in the same append.
 * 5. Record the attempt as an event: on the user stream, or on a per-identity
 *    `sign_in_failure-<sha256>` stream when no user holds the identity.
 *
 * Account states (suspended, reset requested, spent temporary password) are only
 * revealed after a correct password, so they cannot be used to probe which
 * identities exist.
 */

// ---- public shapes -----------------------------------------------------------------

export type SignInNextStep = null | 'set_new_password' | 'verify_identity';

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

export type SignInErrorCode = 'INVALID_CREDENTIALS' | 'USER_SUSPENDED' | 'PASSWORD_RESET_REQUIRED' | 'TOO_MANY_ATTEMPTS';

const STATUS: Record<SignInErrorCode, number> = {
  INVALID_CREDENTIALS: 401,
  USER_SUSPENDED: 403,
  PASSWORD_RESET_REQUIRED: 403,
  TOO_MANY_ATTEMPTS: 429,
};

const MESSAGES: Record<SignInErrorCode, string> = {
  INVALID_CREDENTIALS: 'The identity or password is incorrect',
  USER_SUSPENDED: 'This user is suspended and cannot sign in',
  PASSWORD_RESET_REQUIRED: 'The user must reset their password before signing in',
  TOO_MANY_ATTEMPTS: 'Too many failed sign-in attempts; try again later',
};

/** A refused sign-in. `status` is the HTTP status (the error middleware uses it). */
export class SignInError extends Error {
  readonly status: number;
  constructor(
    readonly code: SignInErrorCode,
    /** Only for TOO_MANY_ATTEMPTS: seconds until the oldest counted failure leaves the window. */
    readonly retryAfterSeconds?: number,
  ) {
    super(MESSAGES[code]);
    this.name = 'SignInError';
    this.status = STATUS[code];
  }
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
}

// ---- rate limiting ----------------------------------------------------------------------

export interface SignInLimiterOptions {
  /** Failures allowed per key within the window; the next attempt is refused. */
  readonly maxFailures: number;
  readonly windowSeconds: number;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
  /** Keys remembered at most (oldest dropped first), so a flood of identities cannot exhaust memory. */
  readonly maxKeys?: number;
}

export interface SignInLimiterTicket {
  /** The attempt failed: it stays counted against each key. */
  failed(): void;
  /** Signed in: the attempt is not counted, and earlier failures of the identity are forgotten. */
  succeeded(): void;
  /** Neither (a correct password refused for the account's state, or an internal error): not counted. */
  cancelled(): void;
}

export type SignInLimiterDecision =
  | { readonly allowed: true; readonly ticket: SignInLimiterTicket }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface SignInLimiter {
  /**
   * Checks every key and, if allowed, counts the attempt as a failure at once
   * (settled by the ticket), so concurrent attempts cannot all slip under the limit.
   */
  begin(keys: { readonly identity: string; readonly ip?: string }): SignInLimiterDecision;
  /** Failures currently counted for a key (tests, diagnostics). */
  failures(key: string): number;
}

export const identityLimitKey = (identity: string) => `identity:${identityKey(identity)}`;
export const ipLimitKey = (ip: string) => `ip:${ip}`;

/**
 * Sliding-window failure counts in this process's memory. With several server
 * processes each counts on its own (an attacker gets maxFailures per process per
 * window); a restart forgets the counts. Nothing here is permanent: a key is
 * refused only while `maxFailures` failures are younger than the window.
 */
export function createSignInLimiter(options: SignInLimiterOptions): SignInLimiter {
  const now = options.now ?? Date.now;
  const windowMs = options.windowSeconds * 1000;
  const maxKeys = options.maxKeys ?? 100_000;
  const hits = new Map<string, number[]>();

  const live = (key: string, t: number): number[] => {
    const list = hits.get(key);
    if (!list) return [];
    const kept = list.filter((at) => at > t - windowMs);
    if (kept.length === 0) hits.delete(key);
    else if (kept.length !== list.length) hits.set(key, kept);
    return kept;
  };

  const removeOne = (key: string, at: number) => {
    const list = hits.get(key);
    if (!list) return;
    const i = list.indexOf(at);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) hits.delete(key);
  };

  const bound = (t: number) => {
    if (hits.size <= maxKeys) return;
    for (const key of [...hits.keys()]) live(key, t);
    for (const key of hits.keys()) {
      if (hits.size <= maxKeys) break;
      hits.delete(key);
    }
  };

  return {
    begin({ identity, ip }) {
      const t = now();
      const keys = [identityLimitKey(identity), ...(ip ? [ipLimitKey(ip)] : [])];
      let retryAfterMs = 0;
      for (const key of keys) {
        const list = live(key, t);
        if (list.length >= options.maxFailures) {
          const oldestCounted = list[list.length - options.maxFailures]!;
          retryAfterMs = Math.max(retryAfterMs, oldestCounted + windowMs - t);
        }
      }
      if (retryAfterMs > 0) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
      for (const key of keys) {
        const list = hits.get(key);
        if (list) list.push(t);
        else hits.set(key, [t]);
      }
      bound(t);
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        f();
      };
      return {
        allowed: true,
        ticket: {
          failed: () => settle(() => undefined),
          succeeded: () =>
            settle(() => {
              hits.delete(keys[0]!);
              for (const key of keys.slice(1)) removeOne(key, t);
            }),
          cancelled: () => settle(() => keys.forEach((key) => removeOne(key, t))),
        },
      };
    },
    failures: (key) => live(key, now()).length,
  };
}

// ---- identity resolution --------------------------------------------------------------

const MAX_IDENTITY_LENGTH = 320;
const E164 = /^\+[1-9]\d{6,14}$/;

/** The identity as the rate limiter and the failure stream key it: trimmed, lowercased, bounded. */
function identityKey(identity: string): string {
  return identity.trim().toLowerCase().slice(0, MAX_IDENTITY_LENGTH);
}

type Candidate = { readonly kind: Extract<ReservationKind, 'email' | 'phone' | 'username'>; readonly value: string };

/** What the typed identity could be: an email (has @), a phone (E.164 after removing spaces and dashes), else a username. */
function identityCandidates(raw: string): Candidate[] {
  const t = raw.trim();
  if (t === '' || t.length > MAX_IDENTITY_LENGTH) return [];
  const out: Candidate[] = [];
  if (t.includes('@')) out.push({ kind: 'email', value: t });
  const phone = t.replace(/[\s().-]/g, '');
  if (E164.test(phone)) out.push({ kind: 'phone', value: phone });
  if (!t.includes('@')) out.push({ kind: 'username', value: t });
  return out;
}

/** The user holding the identity, from the store's unique values (the source of truth for uniqueness). */
export async function resolveIdentity(store: EventStore, identity: string): Promise<{ userId: string; kind: Candidate['kind']; value: string } | null> {
  const candidates = identityCandidates(identity);
  if (candidates.length === 0) return null;
  const keys = candidates.map((c) => ({ kind: c.kind, value: reservationValue(c.kind, c.value) }));
  const owners = await store.uniqueOwners(keys);
  for (const [i, c] of candidates.entries()) {
    const owner = owners.get(uniqueKey(keys[i]!.kind, keys[i]!.value));
    if (owner !== undefined && owner.startsWith('kp_')) return { userId: owner, ...c };
  }
  return null;
}

/** The per-identity stream where attempts on identities no user holds are recorded. */
export function signInFailureStream(identity: string): string {
  return `sign_in_failure-${createHash('sha256').update(identityKey(identity)).digest('hex').slice(0, 32)}`;
}

// ---- the user as sign-in sees it ----------------------------------------------------------

interface LoadedUser {
  readonly state: UserState;
  readonly revision: number | 'no_stream';
  /** The current password came from an import (not set by an admin or the API). */
  readonly passwordFromImport: boolean;
}

function foldUser(recorded: readonly RecordedEvent[]): LoadedUser {
  let state: UserState = initialUserState();
  let passwordFromImport = false;
  for (const r of recorded) {
    const event = { type: r.type, data: r.data } as UserEvent;
    state = evolveUser(state, event);
    if (event.type === 'UserImported' && event.data.password !== undefined) passwordFromImport = true;
    if (event.type === 'UserPasswordSet' || event.type === 'UserTemporaryPasswordSet') passwordFromImport = false;
  }
  const last = recorded.at(-1);
  return { state, revision: last ? last.revision : 'no_stream', passwordFromImport };
}

const isExisting = (s: UserState): s is ExistingUser => s.status === 'active' || s.status === 'suspended' || s.status === 'access_revoked';

function findIdentity(user: ExistingUser, kind: Candidate['kind'], value: string): Identity | undefined {
  const wanted = normalizeIdentity(kind, value);
  return user.identities.find((i) => i.type === kind && normalizeIdentity(i.type, i.identity) === wanted);
}

// ---- the command ----------------------------------------------------------------------------

type AttemptData = UserEventOf<'UserSignInSucceeded'>['data'];

type Outcome =
  | { readonly kind: 'refused'; readonly code: SignInErrorCode; readonly limiter: 'failed' | 'cancelled' }
  | { readonly kind: 'signed_in'; readonly result: SignInResult };

/** Appends retried after a concurrent write to the user stream (each round, one writer wins; verification is not repeated). */
const MAX_ROUNDS = 32;

const clip = (s: string | undefined, n: number) => (s === undefined || s === '' ? undefined : s.slice(0, n));

export async function signInWithPassword(deps: SignInDeps, input: SignInInput): Promise<SignInResult> {
  const orgCode = input.orgCode !== undefined && input.orgCode !== '' ? input.orgCode : undefined;
  if (orgCode !== undefined && !OrgCodeSchema.safeParse(orgCode).success) {
    throw Object.assign(new Error('org_code must be an organization code (org_ followed by hex)'), { code: 'INVALID_ORG_CODE', status: 400 });
  }
  const ip = clip(input.ip, 64);
  const base = {
    method: 'password' as const,
    ...(ip ? { ip } : {}),
    ...(clip(input.userAgent, 512) ? { userAgent: clip(input.userAgent, 512)! } : {}),
    ...(clip(input.application, 255) ? { application: clip(input.application, 255)! } : {}),
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
      ...(base.userAgent ? { userAgent: base.userAgent } : {}),
      ...(base.application ? { application: base.application } : {}),
      ...(input.location ? { location: input.location } : {}),
    });

  const gate = deps.limiter.begin({ identity: input.identity, ...(ip ? { ip } : {}) });
  if (!gate.allowed) {
    await recordRefusal(deps.store, input.identity, base, 'rate_limited', attemptId, contextFor);
    throw new SignInError('TOO_MANY_ATTEMPTS', gate.retryAfterSeconds);
  }
  let outcome: Outcome;
  try {
    outcome = await attempt(deps, input, base, attemptId, contextFor);
  } catch (err) {
    gate.ticket.cancelled();
    throw err;
  }
  if (outcome.kind === 'signed_in') {
    gate.ticket.succeeded();
    return outcome.result;
  }
  if (outcome.limiter === 'failed') gate.ticket.failed();
  else gate.ticket.cancelled();
  throw new SignInError(outcome.code);
}

type Base = Omit<AttemptData, 'identityId' | 'identityType' | 'identity'>;

async function attempt(
  deps: SignInDeps,
  input: SignInInput,
  base: Base,
  attemptId: string,
  contextFor: (userId?: string) => CommandContext,
): Promise<Outcome> {
  const { store, passwords } = deps;
  const resolved = await resolveIdentity(store, input.identity);
  const loaded = resolved ? foldUser(await store.readStream(streams.user(resolved.userId))) : null;

  if (!resolved || !loaded || !isExisting(loaded.state)) {
    await passwords.verifyDummy(input.password);
    await appendUnknownIdentityFailure(store, input.identity, base, 'unknown_identity', attemptId, contextFor());
    return { kind: 'refused', code: 'INVALID_CREDENTIALS', limiter: 'failed' };
  }

  const userId = resolved.userId;
  const streamId = streams.user(userId);
  const ctx = contextFor(userId);
  // Verification is cached by the stored password, so a retry after a concurrent append re-verifies only if the password changed.
  const verified = new Map<string, boolean>();
  const verify = async (stored: StoredPassword): Promise<boolean> => {
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
    const user = current.state;
    if (!isExisting(user)) {
      // Deleted between the lookup and now: an unknown identity.
      await appendUnknownIdentityFailure(store, input.identity, base, 'unknown_identity', attemptId, contextFor());
      return { kind: 'refused', code: 'INVALID_CREDENTIALS', limiter: 'failed' };
    }
    const identity = findIdentity(user, resolved.kind, resolved.value);
    const data: AttemptData = {
      ...base,
      ...(identity ? { identityId: identity.id, identityType: identity.type, identity: identity.identity } : { identityType: resolved.kind, identity: resolved.value }),
    };
    const fail = (reason: SignInFailureReason, code: SignInErrorCode, limiter: 'failed' | 'cancelled') =>
      ({ events: [{ type: 'UserSignInFailed', data: { ...data, reason } }] as UserEvent[], outcome: { kind: 'refused', code, limiter } as Outcome });

    let plan: { events: UserEvent[]; outcome: Outcome };
    const pw = user.password;
    if (!pw) {
      await passwords.verifyDummy(input.password);
      plan = fail('no_password', 'INVALID_CREDENTIALS', 'failed');
    } else if (!(await verify(pw.stored as StoredPassword))) {
      plan = fail('wrong_password', 'INVALID_CREDENTIALS', 'failed');
    } else if (pw.isTemporary && pw.temporaryUsed) {
      // "Once used, the temporary password becomes invalid."
      plan = fail('temporary_password_already_used', 'INVALID_CREDENTIALS', 'failed');
    } else if (user.status === 'suspended') {
      plan = fail('user_suspended', 'USER_SUSPENDED', 'cancelled');
    } else if (user.status === 'access_revoked') {
      // "Remove the user's access and ability to sign in": answered like an unknown account.
      plan = fail('access_revoked', 'INVALID_CREDENTIALS', 'cancelled');
    } else if (pw.isTemporary) {
      // "They will be immediately prompted to set a new password of their own creation." Also satisfies a reset request.
      plan = {
        events: decideUser({ type: 'RecordSignInSucceeded', data: { ...data, method: 'temporary_password' } }, user),
        outcome: { kind: 'signed_in', result: { user_id: userId, next_step: 'set_new_password' } },
      };
    } else if (user.passwordResetRequested) {
      // "The next time the user signs in, they will be prompted to change their password."
      plan = fail('password_reset_required', 'PASSWORD_RESET_REQUIRED', 'cancelled');
    } else {
      const events: UserEvent[] = [];
      let state: UserState = user;
      const stored = pw.stored as StoredPassword;
      if (needsUpgrade(stored, deps.bcryptCost)) {
        const key = JSON.stringify(stored);
        if (!upgraded || upgraded.from !== key) upgraded = { from: key, to: await passwords.hash(input.password) };
        const up = decideUser({ type: 'UpgradePassword', data: { password: upgraded.to } }, state);
        for (const e of up) state = evolveUser(state, e);
        events.push(...up);
      }
      // Imported without password_verified=TRUE: "Kinde will send a one-time password to the user the first time they try to sign in".
      const mustVerify = current.passwordFromImport && !user.passwordVerified;
      if (mustVerify) {
        events.push({ type: 'UserSignInFailed', data: { ...data, reason: 'password_not_verified' } });
      } else {
        events.push(...decideUser({ type: 'RecordSignInSucceeded', data }, state));
      }
      plan = { events, outcome: { kind: 'signed_in', result: { user_id: userId, next_step: mustVerify ? 'verify_identity' : null } } };
    }

    try {
      await store.appendToStream(streamId, toAttemptEvents(streamId, current.revision, plan.events, ctx, attemptId), current.revision);
      return plan.outcome;
    } catch (err) {
      // Someone else wrote to the user meanwhile (maybe spent the same temporary password): decide again on fresh state.
      if (!isWrongExpectedRevision(err) || round >= MAX_ROUNDS) throw err;
      current = foldUser(await store.readStream(streamId));
    }
  }
}

/** Events of one attempt: catalogue-checked data, metadata from the context, ids unique per attempt. */
function toAttemptEvents(streamId: string, revision: number | 'no_stream', events: readonly UserEvent[], ctx: CommandContext, attemptId: string): EventData[] {
  const first = revision === 'no_stream' ? 0 : revision + 1;
  const metadata = metadataFor(ctx);
  return events.map((e, i) => {
    const data = eventSchemas[e.type].parse(e.data);
    return { id: deterministicUuid(streamId, String(first + i), e.type, attemptId), type: e.type, data, metadata };
  });
}

/** A failed attempt on an identity no user holds: `UserSignInFailed` (reason unknown_identity) on its own stream. */
async function appendUnknownIdentityFailure(
  store: EventStore,
  identity: string,
  base: Base,
  reason: SignInFailureReason,
  attemptId: string,
  ctx: CommandContext,
): Promise<void> {
  const streamId = signInFailureStream(identity);
  const value = identity.trim().slice(0, MAX_IDENTITY_LENGTH);
  const event: UserEvent = { type: 'UserSignInFailed', data: { ...base, ...(value ? { identity: value } : {}), reason } };
  const data = eventSchemas.UserSignInFailed.parse(event.data);
  await store.appendToStream(streamId, [{ id: deterministicUuid(streamId, event.type, attemptId), type: event.type, data, metadata: metadataFor(ctx) }], 'any');
}

/** A refusal decided before any verification (rate limited): recorded where the identity's attempts go. */
async function recordRefusal(
  store: EventStore,
  identity: string,
  base: Base,
  reason: SignInFailureReason,
  attemptId: string,
  contextFor: (userId?: string) => CommandContext,
): Promise<void> {
  const resolved = await resolveIdentity(store, identity);
  if (resolved) {
    const streamId = streams.user(resolved.userId);
    const loaded = foldUser(await store.readStream(streamId));
    if (isExisting(loaded.state)) {
      const found = findIdentity(loaded.state, resolved.kind, resolved.value);
      const data: AttemptData = {
        ...base,
        ...(found ? { identityId: found.id, identityType: found.type, identity: found.identity } : { identityType: resolved.kind, identity: resolved.value }),
      };
      const event: UserEvent = { type: 'UserSignInFailed', data: { ...data, reason } };
      // 'any': a refusal needs no decision on the user's state, only a record.
      const ctx = contextFor(resolved.userId);
      await store.appendToStream(streamId, [{ id: deterministicUuid(streamId, event.type, attemptId), type: event.type, data: eventSchemas.UserSignInFailed.parse(event.data), metadata: metadataFor(ctx) }], 'any');
      return;
    }
  }
  await appendUnknownIdentityFailure(store, identity, base, reason, attemptId, contextFor());
}

/** A limiter from the configuration (`config.signIn`). */
export function signInLimiterFromConfig(signIn: { readonly maxFailures: number; readonly windowSeconds: number }, now?: () => number): SignInLimiter {
  return createSignInLimiter({ maxFailures: signIn.maxFailures, windowSeconds: signIn.windowSeconds, ...(now ? { now } : {}) });
}

