import bcryptjs from 'bcryptjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { runImport } from '../../src/commands/import/run';
import { ensureDefaults } from '../../src/commands/organizations';
import { createSignInLimiter, identityLimitKey, signInFailureStream, signInWithPassword, SignInError, type SignInDeps, type SignInInput } from '../../src/commands/sign-in';
import { createUser, loadUser, markPasswordVerified, requestPasswordReset, setPassword, setTemporaryPassword, suspendUser } from '../../src/commands/users';
import { streams } from '../../src/domain/streams';
import { uniqueKey } from '../../src/eventstore/types';
import type { RecordedEvent } from '../../src/eventstore/types';
import { createPasswordVerifier, type PasswordVerifier, type StoredPasswordInput } from '../../src/passwords';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * Sign-in against a real PostgreSQL event store and the real worker pool.
 * Hash vectors come from test/fixtures/passwords (made with openssl, Python,
 * PHP and htpasswd; see generate.sh there).
 */

const COST = 6; // the configured bcrypt cost in these tests; every fixture bcrypt hash (cost 4/5) is "legacy"
const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });

interface Vector {
  readonly name: string;
  readonly input: StoredPasswordInput & { hashed_password: string; hashing_method: string };
  readonly password: string;
  readonly matches: boolean;
}
const METHODS = ['bcrypt', 'crypt', 'md5', 'sha256', 'wordpress'] as const;
const fixture = (method: string): Vector[] => (JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/passwords', `${method}.json`), 'utf8')) as { vectors: Vector[] }).vectors;
/** The positive vectors (the "/ wrong password" variants are derived negatives). */
const positives = (method: string) => fixture(method).filter((v) => v.matches && !v.name.includes(' / '));

const csvCell = (s: string | undefined | null) => (s === undefined || s === null ? '' : `"${s.replace(/"/g, '""')}"`);

let db: TestDatabase;
let passwords: PasswordVerifier;
let dir: string;
const clock = Date.parse('2025-03-03T09:00:00Z');
/** Generous limits for the functional tests; the lockout tests build their own limiter. */
let deps: SignInDeps;

const userEvents = async (userId: string) => db.store.readStream(streams.user(userId));
const types = (events: readonly RecordedEvent[]) => events.map((e) => e.type);
const attempts = (events: readonly RecordedEvent[]) => events.filter((e) => e.type === 'UserSignInSucceeded' || e.type === 'UserSignInFailed');

async function refusal(p: Promise<unknown>): Promise<SignInError> {
  const err = await p.then(
    () => {
      throw new Error('sign-in unexpectedly succeeded');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SignInError);
  return err as SignInError;
}

function file(name: string, text: string) {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

async function userIdOf(email: string): Promise<string> {
  const owner = (await db.store.uniqueOwners([{ kind: 'email', value: email }])).get(uniqueKey('email', email));
  if (!owner) throw new Error(`no user for ${email}`);
  return owner;
}

beforeAll(async () => {
  db = await createTestDatabase();
  passwords = createPasswordVerifier({ threads: 2, bcryptCost: COST });
  deps = { store: db.store, passwords, bcryptCost: COST, limiter: createSignInLimiter({ maxFailures: 1000, windowSeconds: 60, now: () => clock }) };
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-sign-in-'));
  await ensureDefaults(db.store, admin);
});

afterAll(async () => {
  await passwords?.close();
  await db?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('users imported from a Kinde CSV sign in with their old password and are upgraded to bcrypt', () => {
  // One CSV with every positive vector of every method, password_verified=TRUE.
  const rows = METHODS.flatMap((method) => positives(method).map((v, i) => ({ method, v, email: `${method}-${i}@csv.example.com` })));

  beforeAll(async () => {
    const header = 'email,hashed_password,hashing_method,salt,salt_position,salt_format,password_verified';
    const lines = rows.map(({ v, email }) => [email, v.input.hashed_password, v.input.hashing_method, v.input.salt, v.input.salt_position, v.input.salt_format].map(csvCell).join(',') + ',TRUE');
    const report = await runImport(db.store, file('passwords.csv', [header, ...lines].join('\n')));
    expect(report.status).toBe('completed');
    // Every fixture hash is importable: no PASSWORD_NOT_IMPORTED warning.
    expect(report.issues.filter((i) => i.code === 'PASSWORD_NOT_IMPORTED')).toEqual([]);
    expect(report.counts).toMatchObject({ users_created: rows.length });
  });

  it.each(METHODS)('%s: every vector signs in once, the hash is replaced by bcrypt at the configured cost, the next sign-in verifies the bcrypt hash', async (method) => {
    const mine = rows.filter((r) => r.method === method);
    expect(mine.length).toBeGreaterThan(0);
    for (const { v, email } of mine) {
      const userId = await userIdOf(email);
      // Emails match case-insensitively.
      const first = await signInWithPassword(deps, { identity: email.toUpperCase(), password: v.password, ip: '203.0.113.7' });
      expect(first, v.name).toEqual({ user_id: userId, next_step: null });

      const events = await userEvents(userId);
      expect(types(events).slice(-2), v.name).toEqual(['UserPasswordUpgraded', 'UserSignInSucceeded']);
      const upgraded = events.at(-2)!.data as { password: { method: string; hash: string }; fromMethod: string };
      expect(upgraded.fromMethod).toBe(method);
      // Upgrades are bcrypt over an HMAC-SHA-384 pre-hash (issue 13: no password is verified by a prefix of itself).
      expect(upgraded.password.method).toBe('bcrypt_hmac_sha384');
      expect(upgraded.password.hash.startsWith(`$bcrypt-hmac-sha384$2b$0${COST}$`)).toBe(true);

      // The old hash is gone from state.
      const state = await loadUser(db.store, userId);
      if (state.status !== 'active') throw new Error('expected an active user');
      expect(state.password!.stored).toEqual(upgraded.password);
      expect(JSON.stringify(state)).not.toContain(v.input.hashed_password);

      // Second sign-in: verifies against the bcrypt hash, no second upgrade.
      expect(await signInWithPassword(deps, { identity: email, password: v.password })).toEqual({ user_id: userId, next_step: null });
      const after = await userEvents(userId);
      expect(types(after).slice(events.length)).toEqual(['UserSignInSucceeded']);
    }
  });

  it.each(METHODS)('%s: a wrong password is refused and the stored hash is left alone', async (method) => {
    const negatives = fixture(method).filter((v) => !v.matches);
    expect(negatives.length).toBeGreaterThan(0);
    const v = negatives[0]!;
    const email = `neg-${method}@csv.example.com`;
    const header = 'email,hashed_password,hashing_method,salt,salt_position,salt_format,password_verified';
    const line = [email, v.input.hashed_password, v.input.hashing_method, v.input.salt, v.input.salt_position, v.input.salt_format].map(csvCell).join(',') + ',TRUE';
    await runImport(db.store, file(`neg-${method}.csv`, `${header}\n${line}\n`));
    const userId = await userIdOf(email);
    const err = await refusal(signInWithPassword(deps, { identity: email, password: v.password }));
    expect(err.code).toBe('INVALID_CREDENTIALS');
    const events = await userEvents(userId);
    expect(types(events)).not.toContain('UserPasswordUpgraded');
    expect(events.at(-1)).toMatchObject({ type: 'UserSignInFailed', data: { reason: 'wrong_password', identity: email } });
  });
});

describe('users imported from Kinde NDJSON and Auth0 exports', () => {
  it('Kinde NDJSON: username matches case-insensitively; without password_verified the user must verify with a one-time code first', async () => {
    // A plain bcrypt hash above the configured cost: verified, never upgraded (never downgraded).
    const stored = { hash: bcryptjs.hashSync('rosy-password-1', COST + 1) };
    const line = {
      id: 'rosy-001',
      first_name: 'Rosy',
      identities: [
        { type: 'username', identity: 'RosyRose' },
        { type: 'email', identity: 'rosy@ndjson.example.com', is_verified: true },
      ],
      password: { hashed_password: stored.hash, hashing_algorithm: 'bcrypt', salt: null, salt_format: null, salt_position: null },
    };
    const report = await runImport(db.store, file('kinde.ndjson', JSON.stringify(line) + '\n'));
    expect(report.status).toBe('completed');
    const userId = await userIdOf('rosy@ndjson.example.com');

    // "Kinde treats usernames as case-insensitive."
    const first = await signInWithPassword(deps, { identity: 'rOSYrOSE', password: 'rosy-password-1', application: 'web' });
    // "if you do not also include a TRUE in the password_verified column … Kinde will send a one-time password to the user the first time they try to sign in"
    expect(first).toEqual({ user_id: userId, next_step: 'verify_identity' });
    let events = await userEvents(userId);
    expect(types(events)).not.toContain('UserPasswordUpgraded');
    expect(events.at(-1)).toMatchObject({
      type: 'UserSignInFailed',
      data: { reason: 'password_not_verified', identityType: 'username', identity: 'RosyRose', application: 'web' },
    });

    await markPasswordVerified(db.store, admin, userId);
    expect(await signInWithPassword(deps, { identity: 'rosyrose', password: 'rosy-password-1' })).toEqual({ user_id: userId, next_step: null });
    events = await userEvents(userId);
    expect(events.at(-1)).toMatchObject({ type: 'UserSignInSucceeded', data: { method: 'password', identityType: 'username' } });
    const state = await loadUser(db.store, userId);
    if (state.status !== 'active') throw new Error('expected an active user');
    // Per-identity sign-in counts (the profile's "how many times they signed in with each identity").
    const usernameId = state.identities.find((i) => i.type === 'username')!.id;
    expect(state.signIns[usernameId]).toEqual({ succeeded: 1, failed: 1 });
  });

  it('Auth0 users file then the password-hash export: the user signs in (after the one-time-code step) and the cost-5 hash is upgraded', async () => {
    const legacy = { hash: bcryptjs.hashSync('auth0-pass-42', 5) };
    const users = {
      user_id: 'auth0|zed0001',
      email: 'Zed@Auth0.example.com',
      email_verified: true,
      identities: [{ connection: 'Username-Password-Authentication', provider: 'auth0', user_id: 'zed0001', isSocial: false }],
    };
    const hashes = { _id: { $oid: 'zed0001' }, email: 'Zed@Auth0.example.com', email_verified: true, passwordHash: legacy.hash, connection: 'Username-Password-Authentication' };
    expect((await runImport(db.store, file('auth0-users.ndjson', JSON.stringify(users) + '\n'))).status).toBe('completed');
    const pwReport = await runImport(db.store, file('auth0-passwords.ndjson', JSON.stringify(hashes) + '\n'));
    expect(pwReport.status).toBe('completed');
    const userId = await userIdOf('zed@auth0.example.com');

    const first = await signInWithPassword(deps, { identity: 'zed@auth0.example.com', password: 'auth0-pass-42' });
    expect(first).toEqual({ user_id: userId, next_step: 'verify_identity' });
    const events = await userEvents(userId);
    // The password was proven, so the legacy hash is replaced at once.
    expect(types(events).slice(-2)).toEqual(['UserPasswordUpgraded', 'UserSignInFailed']);
    expect(JSON.stringify(await loadUser(db.store, userId))).not.toContain(legacy.hash);

    await markPasswordVerified(db.store, admin, userId);
    expect(await signInWithPassword(deps, { identity: 'ZED@auth0.example.com', password: 'auth0-pass-42' })).toEqual({ user_id: userId, next_step: null });
    expect(types(await userEvents(userId)).at(-1)).toBe('UserSignInSucceeded');
  });
});

describe('refusals', () => {
  let alice: string;
  let nopass: string;
  beforeAll(async () => {
    ({ userId: alice } = await createUser(db.store, admin, {
      identities: [
        { type: 'email', identity: 'alice@example.com' },
        { type: 'phone', identity: '+61412345678' },
      ],
    }));
    await setPassword(db.store, admin, alice, await passwords.hash('alice-secret-1'));
    ({ userId: nopass } = await createUser(db.store, admin, { identities: [{ type: 'email', identity: 'nopass@example.com' }] }));
  });

  it('a phone identity works (spaces allowed), and a password set by an admin needs no one-time code', async () => {
    expect(await signInWithPassword(deps, { identity: '+61 412 345 678', password: 'alice-secret-1' })).toEqual({ user_id: alice, next_step: null });
    expect((await userEvents(alice)).at(-1)).toMatchObject({ type: 'UserSignInSucceeded', data: { identityType: 'phone', identity: '+61412345678' } });
  });

  it('wrong password, unknown identity and a user without a password are the same error; each attempt is recorded with its reason', async () => {
    const input = { password: 'guess-1', ip: '198.51.100.9', userAgent: 'UA/1', application: 'shop' } satisfies Partial<SignInInput>;
    const wrong = await refusal(signInWithPassword(deps, { ...input, identity: 'alice@example.com' }));
    const unknown = await refusal(signInWithPassword(deps, { ...input, identity: 'nobody@example.com' }));
    const none = await refusal(signInWithPassword(deps, { ...input, identity: 'nopass@example.com' }));
    for (const e of [wrong, unknown, none]) expect({ code: e.code, kind: e.kind, message: e.message }).toEqual({ code: wrong.code, kind: 'unauthenticated', message: wrong.message });
    expect(wrong.code).toBe('INVALID_CREDENTIALS');

    const context = { ip: '198.51.100.9', userAgent: 'UA/1', application: 'shop', method: 'password' };
    expect((await userEvents(alice)).at(-1)).toMatchObject({ type: 'UserSignInFailed', data: { ...context, reason: 'wrong_password' } });
    expect((await userEvents(nopass)).at(-1)).toMatchObject({ type: 'UserSignInFailed', data: { ...context, reason: 'no_password' } });
    // No user stream for an unknown identity: a per-identity failure stream keeps it auditable.
    const failures = await db.store.readStream(signInFailureStream('NOBODY@example.com'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ type: 'UserSignInFailed', data: { ...context, reason: 'unknown_identity', identity: 'nobody@example.com' }, metadata: { ip: '198.51.100.9', source: 'self' } });
  });

  it('a suspended user is refused with USER_SUSPENDED, but only after the right password (a wrong one is INVALID_CREDENTIALS)', async () => {
    const { userId } = await createUser(db.store, admin, { identities: [{ type: 'email', identity: 'sus@example.com' }] });
    await setPassword(db.store, admin, userId, await passwords.hash('sus-secret-1'));
    await suspendUser(db.store, admin, userId, 'chargebacks');
    expect((await refusal(signInWithPassword(deps, { identity: 'sus@example.com', password: 'sus-secret-1' }))).code).toBe('USER_SUSPENDED');
    expect((await refusal(signInWithPassword(deps, { identity: 'sus@example.com', password: 'nope' }))).code).toBe('INVALID_CREDENTIALS');
    const reasons = attempts(await userEvents(userId)).map((e) => (e.data as { reason?: string }).reason);
    expect(reasons).toEqual(['user_suspended', 'wrong_password']);
  });

  it('a user with a password-reset request is refused with PASSWORD_RESET_REQUIRED', async () => {
    const { userId } = await createUser(db.store, admin, {
      identities: [
        { type: 'username', identity: 'ResetMe' },
        { type: 'email', identity: 'reset@example.com' },
      ],
    });
    await setPassword(db.store, admin, userId, await passwords.hash('reset-secret-1'));
    await requestPasswordReset(db.store, admin, userId);
    // "The next time the user signs in, they will be prompted to change their password."
    const err = await refusal(signInWithPassword(deps, { identity: 'resetme', password: 'reset-secret-1' }));
    expect({ code: err.code, kind: err.kind }).toEqual({ code: 'PASSWORD_RESET_REQUIRED', kind: 'forbidden' });
    expect((await userEvents(userId)).at(-1)).toMatchObject({ type: 'UserSignInFailed', data: { reason: 'password_reset_required', identityType: 'username' } });
  });
});

describe('temporary passwords', () => {
  it('work once ("Once used, the temporary password becomes invalid"), then answer like a wrong password', async () => {
    const { userId } = await createUser(db.store, admin, { identities: [{ type: 'email', identity: 'temp@example.com' }] });
    await setTemporaryPassword(db.store, admin, userId, await passwords.hash('Tangerine-Kite-77'), { ok: true });
    expect(await signInWithPassword(deps, { identity: 'temp@example.com', password: 'Tangerine-Kite-77' })).toEqual({ user_id: userId, next_step: 'set_new_password' });
    const err = await refusal(signInWithPassword(deps, { identity: 'temp@example.com', password: 'Tangerine-Kite-77' }));
    expect(err.code).toBe('INVALID_CREDENTIALS');
    const recorded = attempts(await userEvents(userId));
    expect(recorded.map((e) => [e.type, (e.data as { method: string }).method, (e.data as { reason?: string }).reason])).toEqual([
      ['UserSignInSucceeded', 'temporary_password', undefined],
      ['UserSignInFailed', 'password', 'temporary_password_already_used'],
    ]);
  });

  it('two concurrent sign-ins with the same temporary password: exactly one succeeds', async () => {
    const { userId } = await createUser(db.store, admin, { identities: [{ type: 'email', identity: 'race@example.com' }] });
    await setTemporaryPassword(db.store, admin, userId, await passwords.hash('Marmalade-Fox-31'), { ok: true });
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => signInWithPassword(deps, { identity: 'race@example.com', password: 'Marmalade-Fox-31' })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r.reason as SignInError).code)).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS']);
    expect(attempts(await userEvents(userId)).filter((e) => e.type === 'UserSignInSucceeded')).toHaveLength(1);
  });

  it('a temporary password set after a reset request lets the user in to set a new password', async () => {
    const { userId } = await createUser(db.store, admin, { identities: [{ type: 'email', identity: 'forgot@example.com' }] });
    await setPassword(db.store, admin, userId, await passwords.hash('old-secret-1'));
    await requestPasswordReset(db.store, admin, userId);
    await setTemporaryPassword(db.store, admin, userId, await passwords.hash('Lantern-Quartz-58'), { ok: true });
    expect(await signInWithPassword(deps, { identity: 'forgot@example.com', password: 'Lantern-Quartz-58' })).toEqual({ user_id: userId, next_step: 'set_new_password' });
  });
});

describe('rate limiting is temporary (a sliding window), per identity and per IP', () => {
  it('after maxFailures failures for one identity the next attempt is 429 even with the right password; after the window it signs in', async () => {
    let now = Date.parse('2025-03-03T10:00:00Z');
    const limiter = createSignInLimiter({ maxFailures: 3, windowSeconds: 60, now: () => now });
    const d = { ...deps, limiter };
    const { userId } = await createUser(db.store, admin, { identities: [{ type: 'email', identity: 'lock@example.com' }] });
    await setPassword(db.store, admin, userId, await passwords.hash('lock-secret-1'));

    for (let i = 0; i < 3; i++) {
      now += 1000;
      expect((await refusal(signInWithPassword(d, { identity: 'lock@example.com', password: `wrong-${i}`, ip: `192.0.2.${i}` }))).code).toBe('INVALID_CREDENTIALS');
    }
    now += 1000;
    const limited = await refusal(signInWithPassword(d, { identity: 'LOCK@example.com', password: 'lock-secret-1', ip: '192.0.2.99' }));
    expect({ code: limited.code, kind: limited.kind }).toEqual({ code: 'TOO_MANY_ATTEMPTS', kind: 'rate_limited' });
    // The oldest failure (t0+1s) leaves the 60 s window at t0+61s; now is t0+4s.
    expect(limited.retryAfterSeconds).toBe(57);

    now += 57_000; // the first failure has left the window
    expect(await signInWithPassword(d, { identity: 'lock@example.com', password: 'lock-secret-1', ip: '192.0.2.99' })).toEqual({ user_id: userId, next_step: null });
    // Success forgets the identity's failures.
    expect(limiter.failures(identityLimitKey('lock@example.com'))).toBe(0);

    // Every attempt is in the stream, the limited one included.
    const reasons = attempts(await userEvents(userId)).map((e) => (e.type === 'UserSignInSucceeded' ? 'succeeded' : (e.data as { reason: string }).reason));
    expect(reasons).toEqual(['wrong_password', 'wrong_password', 'wrong_password', 'rate_limited', 'succeeded']);
  });

  it('failures from one IP across many identities trip the IP limit; another IP is unaffected', async () => {
    let now = Date.parse('2025-03-03T11:00:00Z');
    const limiter = createSignInLimiter({ maxFailures: 3, windowSeconds: 30, now: () => now });
    const d = { ...deps, limiter };
    for (let i = 0; i < 3; i++) await refusal(signInWithPassword(d, { identity: `spray-${i}@example.com`, password: 'Summer2025', ip: '203.0.113.66' }));
    expect((await refusal(signInWithPassword(d, { identity: 'alice@example.com', password: 'alice-secret-1', ip: '203.0.113.66' }))).code).toBe('TOO_MANY_ATTEMPTS');
    expect((await signInWithPassword(d, { identity: 'alice@example.com', password: 'alice-secret-1', ip: '203.0.113.67' })).next_step).toBeNull();
    now += 30_001;
    expect((await signInWithPassword(d, { identity: 'alice@example.com', password: 'alice-secret-1', ip: '203.0.113.66' })).next_step).toBeNull();
  });

  it('concurrent wrong attempts cannot slip past the limit (each counts as it starts)', async () => {
    const limiter = createSignInLimiter({ maxFailures: 2, windowSeconds: 60, now: () => clock });
    const d = { ...deps, limiter };
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => signInWithPassword(d, { identity: 'burst@example.com', password: `w${i}` })));
    const codes = results.map((r) => ((r as PromiseRejectedResult).reason as SignInError).code).sort();
    expect(codes).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'TOO_MANY_ATTEMPTS', 'TOO_MANY_ATTEMPTS', 'TOO_MANY_ATTEMPTS', 'TOO_MANY_ATTEMPTS']);
    // All six are recorded on the identity's failure stream.
    expect((await db.store.readStream(signInFailureStream('burst@example.com'))).map((e) => (e.data as { reason: string }).reason).sort()).toEqual([
      'rate_limited',
      'rate_limited',
      'rate_limited',
      'rate_limited',
      'unknown_identity',
      'unknown_identity',
    ]);
  });
});
