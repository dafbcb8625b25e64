import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { ensureDefaults } from '../../src/commands/organizations';
import { createSignInLimiter, signInWithPassword, SignInError, type SignInDeps } from '../../src/commands/sign-in';
import { createUser, loadUser, setPassword } from '../../src/commands/users';
import { streams } from '../../src/domain/streams';
import {
  createPasswordVerifier,
  HASHING_METHODS,
  needsUpgrade,
  parseStoredPassword,
  verifyPasswordSync,
  type PasswordVerifier,
  type StoredPassword,
  type StoredPasswordInput,
} from '../../src/passwords';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * Issue 13, item 1: no password is ever verified by a prefix of itself. For
 * every hashing method, a user whose stored hash (made by an independent tool,
 * test/fixtures/passwords) is of a password longer than bcrypt's 72 bytes signs
 * in once with it (the hash is upgraded, or kept when the policy says the
 * original is already strong), then a wrong password sharing those first 72
 * bytes is refused and the right one still signs in.
 */
const COST = 6; // every fixture bcrypt (cost 4/5) is below it, so it is upgraded
const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });

interface Vector {
  readonly name: string;
  readonly input: StoredPasswordInput;
  readonly password: string;
  readonly matches: boolean;
}
const fixture = (method: string): Vector[] => (JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/passwords', `${method}.json`), 'utf8')) as { vectors: Vector[] }).vectors;

/** Same first 72 UTF-8 bytes as `password`, a different tail. */
function prefixTwin(password: string): string {
  const bytes = Buffer.from(password, 'utf8');
  expect(bytes.length).toBeGreaterThan(72);
  return bytes.subarray(0, 72).toString('utf8') + ' but a different tail';
}

/** Up to three positive vectors of a password over 72 bytes per method, of different schemes where it has several ($1$, $5$, $6$…). */
function longVectors(method: string): { vector: Vector; stored: StoredPassword }[] {
  const seen = new Set<string>();
  return fixture(method)
    .filter((v) => v.matches && !v.name.includes(' / ') && Buffer.byteLength(v.password, 'utf8') > 72)
    .filter((v) => {
      const scheme = (v.input.hashed_password ?? '').slice(0, 3);
      if (seen.has(scheme)) return false;
      seen.add(scheme);
      return true;
    })
    .slice(0, 3)
    .map((vector) => {
      const parsed = parseStoredPassword(vector.input);
      if (!parsed.ok) throw new Error(`${vector.name}: ${parsed.reason}`);
      return { vector, stored: parsed.password };
    });
}

let db: TestDatabase;
let passwords: PasswordVerifier;
let deps: SignInDeps;
let n = 0;

async function refused(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => new Error('sign-in unexpectedly succeeded'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SignInError);
  return (err as SignInError).code;
}

beforeAll(async () => {
  db = await createTestDatabase();
  passwords = createPasswordVerifier({ threads: 2, bcryptCost: COST });
  deps = { store: db.store, passwords, bcryptCost: COST, limiter: createSignInLimiter({ maxFailures: 10_000, windowSeconds: 60, now: () => Date.now() }) };
  await ensureDefaults(db.store, admin);
});

afterAll(async () => {
  await passwords?.close();
  await db?.close();
});

describe.each(HASHING_METHODS)('%s: after the first sign-in, a password sharing the first 72 bytes is refused', (method) => {
  const cases = longVectors(method);

  it('has a long-password vector from an independent tool', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases.map((c) => [c.vector.name, c] as const))('%s', async (_name, { vector, stored }) => {
    const email = `long-${method}-${++n}@example.com`;
    const { userId } = await createUser(db.store, admin, { identities: [{ type: 'email', identity: email }] });
    await setPassword(db.store, admin, userId, stored);
    const upgrade = needsUpgrade(stored, COST);

    expect(await signInWithPassword(deps, { identity: email, password: vector.password })).toEqual({ user_id: userId, next_step: null });
    const events = await db.store.readStream(streams.user(userId));
    const state = await loadUser(db.store, userId);
    if (state.status !== 'active') throw new Error('expected an active user');
    const now = state.password!.stored;
    if (upgrade) {
      expect(events.map((e) => e.type)).toContain('UserPasswordUpgraded');
      expect(now.method).toBe('bcrypt_hmac_sha384');
      expect(now.hash.startsWith(`$bcrypt-hmac-sha384$2b$0${COST}$`)).toBe(true);
    } else {
      // Kept: already at least as strong as the upgrade, and it reads the whole password.
      expect(events.map((e) => e.type)).not.toContain('UserPasswordUpgraded');
      expect(now).toEqual(stored);
    }

    const twin = prefixTwin(vector.password);
    expect(await refused(signInWithPassword(deps, { identity: email, password: twin }))).toBe('INVALID_CREDENTIALS');
    expect(await signInWithPassword(deps, { identity: email, password: vector.password })).toEqual({ user_id: userId, next_step: null });
  });
});

describe('the test above can fail', () => {
  it("a plain bcrypt hash (htpasswd, PHP) does accept the prefix twin before the upgrade, by its own tools' verdict", () => {
    const { vector, stored } = longVectors('bcrypt')[0]!;
    expect(verifyPasswordSync(stored, prefixTwin(vector.password))).toBe(true);
    const toolSays = fixture('bcrypt').find((v) => v.name.startsWith('72-byte limit: different tail'));
    expect(toolSays?.matches).toBe(true);
  });
});
