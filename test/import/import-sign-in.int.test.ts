import path from 'node:path';
import { ownerOfValue } from '../support/owners';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { runImport } from '../../src/commands/import/run';
import { parseColumnMap } from '../../src/commands/import/parse/column-map';
import { parseFirebaseHashConfig } from '../../src/commands/import/parse/firebase';
import { ensureDefaults } from '../../src/commands/organizations';
import { createSignInLimiter, signInWithPassword, SignInError, type SignInDeps } from '../../src/commands/sign-in';
import { createPasswordVerifier, type PasswordVerifier } from '../../src/passwords';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * Users imported from each provider export sign in with the password they had
 * there. The hashes come from independent tools: Firebase's published scrypt
 * vector (firebase/scrypt README), PBKDF2 keys from Python's hashlib (Keycloak's
 * 27,500 iterations, 64-byte keys), a bcrypt hash from test/fixtures/passwords.
 */
const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });
const fixture = (name: string) => path.join(__dirname, '../fixtures/import', name);
let db: TestDatabase;
let passwords: PasswordVerifier;
let deps: SignInDeps;

async function userIdOf(email: string): Promise<string> {
  const owner = await ownerOfValue(db.store, 'email', email);
  if (!owner) throw new Error(`no user for ${email}`);
  return owner;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => new Error('signed in'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SignInError);
  return (err as SignInError).code;
}

beforeAll(async () => {
  db = await createTestDatabase();
  passwords = createPasswordVerifier({ threads: 2, bcryptCost: 6 });
  deps = { store: db.store, passwords, bcryptCost: 6, limiter: createSignInLimiter({ maxFailures: 1000, windowSeconds: 60, now: () => Date.now() }) };
  await ensureDefaults(db.store, admin);
  const firebase = parseFirebaseHashConfig(fs.readFileSync(fixture('firebase-hash-config.json'), 'utf8'));
  const map = parseColumnMap(fs.readFileSync(fixture('homegrown-map.json'), 'utf8'));
  if (!firebase.ok || !map.ok) throw new Error('fixtures');
  for (const [file, options] of [
    ['firebase-users.json', { firebaseHashConfig: firebase.config }],
    ['keycloak-realm.json', {}],
    ['supabase-users.csv', {}],
    ['clerk-users.csv', {}],
    ['homegrown-users.csv', { columnMap: map.map }],
  ] as const) {
    const report = await runImport(db.store, fixture(file), options);
    expect(report.status, file).toBe('completed');
  }
});

afterAll(async () => {
  await passwords?.close();
  await db?.close();
});

describe('imported users sign in with their old password', () => {
  it.each([
    ['firebase (Firebase scrypt)', 'user1@firebase.example.com', 'user1password'],
    ['keycloak (pbkdf2-sha256)', 'ada@keycloak.example.com', 'Keycloak-pass1'],
    ['supabase (bcrypt)', 'ada@supabase.example.com', 'password'],
    ['clerk (bcrypt)', 'ada@clerk.example.com', 'password'],
    ['--map (bcrypt)', 'ada@homegrown.example.com', 'password'],
  ])('%s', async (_name, email, password) => {
    const userId = await userIdOf(email);
    expect(await refusal(signInWithPassword(deps, { identity: email, password: `${password}!` }))).toBe('INVALID_CREDENTIALS');
    const result = await signInWithPassword(deps, { identity: email, password });
    expect(result.user_id).toBe(userId);
  });

  it('keycloak UPDATE_PASSWORD: the right password is still refused until the user resets it', async () => {
    expect(await refusal(signInWithPassword(deps, { identity: 'grace@keycloak.example.com', password: 'Keycloak-pass2' }))).toBe('PASSWORD_RESET_REQUIRED');
  });
});
