import fs from 'node:fs';
import { ownerOfValue } from '../support/owners';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { runImport } from '../../src/commands/import/run';
import { ensureDefaults } from '../../src/commands/organizations';
import { createSignInLimiter, signInWithPassword, SignInError, type SignInDeps } from '../../src/commands/sign-in';
import { streams } from '../../src/domain/streams';
import { createPasswordVerifier, detectHashingMethod, needsUpgrade, parseStoredPassword, type PasswordVerifier, type StoredPasswordInput } from '../../src/passwords';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * Issue 15, "every family imports and signs in end to end": a Kinde NDJSON file
 * with hashes of every family beyond Kinde's five (made by independent tools,
 * test/fixtures/passwords), some with `hashing_algorithm` left empty so the
 * import detects it. Each user then signs in with the right password (the hash
 * is upgraded or kept by the policy) and is refused with a wrong one.
 * Kinde's five are covered the same way by test/sign-in/sign-in.int.test.ts.
 */
const METHODS = ['argon2', 'scrypt', 'firebase_scrypt', 'pbkdf2', 'sha1', 'sha512', 'ldap', 'bcrypt_sha256', 'apr1', 'drupal7', 'bcrypt_hmac_sha384'] as const;
const COST = 6;
const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });

interface Vector {
  readonly name: string;
  readonly input: StoredPasswordInput & { hashed_password: string; hashing_method: string };
  readonly password: string;
  readonly matches: boolean;
}
const positives = (method: string): Vector[] =>
  (JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/passwords', `${method}.json`), 'utf8')) as { vectors: Vector[] }).vectors
    .filter((v) => v.matches && !v.name.includes(' / ') && Buffer.byteLength(v.password) < 1000)
    .filter((_, i) => i % 4 === 0)
    .slice(0, 3);

const rows = METHODS.flatMap((method) =>
  positives(method).map((v, i) => {
    // The first self-describing hash of each family comes without a method: the import detects it.
    const detect = i === 0 && detectHashingMethod(v.input.hashed_password) === method;
    return { method, v, detect, email: `${method.replace(/_/g, '-')}-${i}@ndjson.example.com` };
  }),
);

let db: TestDatabase;
let passwords: PasswordVerifier;
let deps: SignInDeps;
let dir: string;

async function userIdOf(email: string): Promise<string> {
  const owner = await ownerOfValue(db.store, 'email', email);
  if (!owner) throw new Error(`no user for ${email}`);
  return owner;
}

beforeAll(async () => {
  db = await createTestDatabase();
  passwords = createPasswordVerifier({ threads: 2, bcryptCost: COST });
  deps = { store: db.store, passwords, bcryptCost: COST, limiter: createSignInLimiter({ maxFailures: 10_000, windowSeconds: 60, now: () => Date.now() }) };
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-pw-import-'));
  await ensureDefaults(db.store, admin);
  const lines = rows.map(({ v, email, detect }) =>
    JSON.stringify({
      identities: [{ type: 'email', identity: email, is_verified: true }],
      password: {
        hashed_password: v.input.hashed_password,
        hashing_algorithm: detect ? '' : v.input.hashing_method,
        salt: v.input.salt ?? null,
        salt_position: v.input.salt_position ?? null,
        salt_format: v.input.salt_format ?? null,
        ...(v.input.params ? { params: v.input.params } : {}),
      },
    }),
  );
  const file = path.join(dir, 'hashes.ndjson');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const report = await runImport(db.store, file);
  expect(report.status).toBe('completed');
  expect(report.issues.filter((i) => i.code === 'PASSWORD_NOT_IMPORTED')).toEqual([]);
  expect(report.counts).toMatchObject({ users_created: rows.length });
});

afterAll(async () => {
  await passwords?.close();
  await db?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.each(METHODS)('%s imported from Kinde NDJSON', (method) => {
  const mine = rows.filter((r) => r.method === method);

  it('has vectors, and at least one family member is auto-detected where the hash names its scheme', () => {
    expect(mine.length).toBeGreaterThan(0);
    if (method !== 'firebase_scrypt' && !['sha1', 'sha512'].includes(method)) expect(mine.some((r) => r.detect)).toBe(true);
  });

  it.each(mine.map((r) => [r.v.name, r] as const))('%s: a wrong password is refused, the right one signs in', async (_name, { v, email }) => {
    const userId = await userIdOf(email);
    const wrong = await signInWithPassword(deps, { identity: email, password: `${v.password}!` }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(SignInError);
    expect((wrong as SignInError).code).toBe('INVALID_CREDENTIALS');

    // Kinde NDJSON carries no password_verified: the password is proven, then a one-time code is due.
    expect(await signInWithPassword(deps, { identity: email, password: v.password })).toEqual({ user_id: userId, next_step: 'verify_identity' });
    const parsed = parseStoredPassword(v.input);
    if (!parsed.ok) throw new Error(parsed.reason);
    const types = (await db.store.readStream(streams.user(userId))).map((e) => e.type);
    expect(types.includes('UserPasswordUpgraded')).toBe(needsUpgrade(parsed.password, COST));
  });
});
