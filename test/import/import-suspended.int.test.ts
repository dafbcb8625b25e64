import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { runImport, type RunImportOptions } from '../../src/commands/import/run';
import { parseFirebaseHashConfig } from '../../src/commands/import/parse/firebase';
import { ensureDefaults } from '../../src/commands/organizations';
import { createSignInLimiter, signInWithPassword, SignInError, type SignInDeps } from '../../src/commands/sign-in';
import { loadUser, restoreUser, setPassword } from '../../src/commands/users';
import { streams } from '../../src/domain/streams';
import { createPasswordVerifier, parseStoredPassword, type PasswordVerifier } from '../../src/passwords';
import type { UserDoc } from '../../src/projections/users/doc';
import { evolveUserDoc } from '../../src/projections/users/evolve';
import { userRow } from '../../src/projections/users/rows';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { ownerOfValue } from '../support/owners';

/**
 * Accounts the source does not let sign in (Auth0 blocked, Supabase banned_until in
 * the future, Firebase disabled, Keycloak enabled=false, Cognito enabled=false or a
 * disabled status, Clerk banned) arrive suspended, with a reason naming the source:
 * the user exists, sign-in refuses it with USER_SUSPENDED after the right password,
 * the users read model lists it is_suspended, an admin can restore it. The active
 * user of each file stays active and signs in. A dry run lists them
 * (SUSPENDED_AT_SOURCE) and writes nothing; a re-import appends no event.
 */
const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });
const fixture = (name: string) => path.join(__dirname, '../fixtures/import/suspended', name);
// bcrypt of "password" (test/fixtures/passwords), as in the sample files.
const BCRYPT = '$2b$04$iQ4kzyGwMQBzJKeID7xtneQk70f4xRdey/brkjUk2DeCZ2wsh5GbS';

let db: TestDatabase;
let passwords: PasswordVerifier;
let deps: SignInDeps;
let tmp: string;

async function userIdOf(email: string): Promise<string> {
  const owner = await ownerOfValue(db.store, 'email', email);
  if (!owner) throw new Error(`no user for ${email}`);
  return owner;
}
const allEvents = () => db.store.readAll('start', 100_000);

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => new Error('signed in'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SignInError);
  return (err as SignInError).code;
}

/** The user's row in the users read model, folded from its stream by the projection's own evolve. */
async function readModelRow(userId: string) {
  let doc: UserDoc | undefined;
  for (const e of await db.store.readStream(streams.user(userId))) doc = evolveUserDoc(doc, e, userId);
  if (!doc) throw new Error(`no read-model document for ${userId}`);
  return { row: userRow(doc), suspension: doc.suspension };
}

/** Suspended by the import with this reason (once), listed as suspended, and refused at sign-in with the right password. */
async function expectSuspended(email: string, reason: string, password: string) {
  const userId = await userIdOf(email);
  expect((await loadUser(db.store, userId)).status).toBe('suspended');
  const suspensions = (await db.store.readStream(streams.user(userId))).filter((e) => e.type === 'UserSuspended');
  expect(suspensions.map((e) => e.data)).toEqual([{ reason }]);
  const { row, suspension } = await readModelRow(userId);
  expect(row.is_suspended).toBe(true);
  expect(suspension?.reason).toBe(reason);
  expect(await refusal(signInWithPassword(deps, { identity: email, password }))).toBe('USER_SUSPENDED');
  return userId;
}

async function expectActive(email: string, password: string) {
  const userId = await userIdOf(email);
  expect((await loadUser(db.store, userId)).status).toBe('active');
  expect((await readModelRow(userId)).row.is_suspended).toBe(false);
  expect((await signInWithPassword(deps, { identity: email, password })).user_id).toBe(userId);
}

/**
 * A dry run (lists the suspended rows, writes only the job's events), the import, then the
 * same file again: the re-import appends only the job's own events.
 */
async function dryRunImportTwice(file: string, options: RunImportOptions, suspendedLines: number[]) {
  const before = (await allEvents()).length;
  const dry = await runImport(db.store, file, { ...options, dryRun: true });
  expect(dry.status).toBe('completed');
  expect(dry.issues.filter((i) => i.code === 'SUSPENDED_AT_SOURCE').map((i) => [i.line, i.severity])).toEqual(suspendedLines.map((l) => [l, 'warning']));
  expect((await allEvents()).slice(before).every((e) => e.streamId === `import-${dry.id}`)).toBe(true);

  const first = await runImport(db.store, file, options);
  expect(first.status).toBe('completed');
  expect(first.counts.rows_failed).toBe(0);
  expect(first.issues.filter((i) => i.code === 'SUSPENDED_AT_SOURCE').map((i) => i.line)).toEqual(suspendedLines);

  const imported = (await allEvents()).length;
  const again = await runImport(db.store, file, options);
  expect(again.counts).toMatchObject({ users_created: 0, users_updated: 0 });
  expect((await allEvents()).slice(imported).every((e) => e.streamId === `import-${again.id}`)).toBe(true);
  return first;
}

beforeAll(async () => {
  db = await createTestDatabase();
  passwords = createPasswordVerifier({ threads: 2, bcryptCost: 6 });
  deps = { store: db.store, passwords, bcryptCost: 6, limiter: createSignInLimiter({ maxFailures: 1000, windowSeconds: 60, now: () => Date.now() }) };
  await ensureDefaults(db.store, admin);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-suspended-'));
});

afterAll(async () => {
  await passwords?.close();
  await db?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('users the source does not let sign in are imported suspended', () => {
  it('auth0: blocked: true → suspended "blocked in Auth0"; an admin can restore the user', async () => {
    const report = await dryRunImportTwice(fixture('auth0-users.ndjson'), {}, [1]);
    expect(report.counts).toMatchObject({ users_created: 2 });
    // The password-hash export, imported next, gives both users their password.
    expect((await runImport(db.store, fixture('auth0-passwords.ndjson'), {})).counts.rows_failed).toBe(0);
    const blocked = await expectSuspended('blocked@auth0.example.com', 'blocked in Auth0', 'password');
    await expectActive('active@auth0.example.com', 'password');

    await restoreUser(db.store, admin, blocked);
    expect((await signInWithPassword(deps, { identity: 'blocked@auth0.example.com', password: 'password' })).user_id).toBe(blocked);
    // Restored by an admin: importing the file again does not suspend the user again (mode merge).
    const before = (await allEvents()).length;
    const again = await runImport(db.store, fixture('auth0-users.ndjson'), {});
    expect((await allEvents()).slice(before).every((e) => e.streamId === `import-${again.id}`)).toBe(true);
    expect((await loadUser(db.store, blocked)).status).toBe('active');
  });

  it('supabase CSV: banned_until in the future → suspended; in the past → active', async () => {
    await dryRunImportTwice(fixture('supabase-users.csv'), {}, [2]);
    await expectSuspended('banned@supabase.example.com', 'banned in Supabase until 2124-01-05T10:00:00.500Z', 'password');
    await expectActive('active@supabase.example.com', 'password');
  });

  it('supabase JSON: the same, with ISO timestamps', async () => {
    await dryRunImportTwice(fixture('supabase-users.json'), {}, [1]);
    await expectSuspended('banned-json@supabase.example.com', 'banned in Supabase until 2124-01-05T10:00:00.000Z', 'password');
    await expectActive('active-json@supabase.example.com', 'password');
  });

  it('firebase JSON: disabled: true → suspended "disabled in Firebase"', async () => {
    const c = parseFirebaseHashConfig(fs.readFileSync(path.join(__dirname, '../fixtures/import/firebase-hash-config.json'), 'utf8'));
    if (!c.ok) throw new Error(c.reason);
    await dryRunImportTwice(fixture('firebase-users.json'), { firebaseHashConfig: c.config }, [1]);
    await expectSuspended('disabled@firebase.example.com', 'disabled in Firebase', 'user1password');
    await expectActive('active@firebase.example.com', 'user1password');
  });

  it('keycloak: enabled: false → suspended "disabled in Keycloak"', async () => {
    await dryRunImportTwice(fixture('keycloak-realm.json'), {}, [1]);
    await expectSuspended('disabled@keycloak.example.com', 'disabled in Keycloak', 'Keycloak-pass1');
    await expectActive('active@keycloak.example.com', 'Keycloak-pass1');
  });

  it('clerk: a banned column set to true → suspended "banned in Clerk"', async () => {
    await dryRunImportTwice(fixture('clerk-users.csv'), {}, [2]);
    await expectSuspended('banned@clerk.example.com', 'banned in Clerk', 'password');
    await expectActive('active@clerk.example.com', 'password');
  });

  it('cognito: enabled false, or user_status COMPROMISED → suspended (both still asked to reset)', async () => {
    await dryRunImportTwice(fixture('cognito-users.csv'), {}, [2, 3]);
    // Cognito exports no passwords: an admin sets one, as after any Cognito migration.
    const parsed = parseStoredPassword({ hashed_password: BCRYPT, hashing_method: 'bcrypt' });
    if (!parsed.ok) throw new Error(parsed.reason);
    for (const email of ['disabled@cognito.example.com', 'compromised@cognito.example.com', 'active@cognito.example.com']) {
      const userId = await userIdOf(email);
      expect(await loadUser(db.store, userId)).toMatchObject({ passwordResetRequested: true });
      await setPassword(db.store, admin, userId, parsed.password);
    }
    await expectSuspended('disabled@cognito.example.com', 'disabled in Cognito', 'password');
    await expectSuspended('compromised@cognito.example.com', 'disabled in Cognito (user status COMPROMISED)', 'password');
    await expectActive('active@cognito.example.com', 'password');
  });
});

describe('an existing active user blocked at the source since', () => {
  const line = (blocked: boolean) =>
    `${JSON.stringify({
      user_id: 'auth0|64b0c0ffee00000000000099',
      email: 'later@auth0.example.com',
      email_verified: true,
      blocked,
      identities: [{ connection: 'Username-Password-Authentication', provider: 'auth0', user_id: '64b0c0ffee00000000000099', isSocial: false }],
    })}\n`;

  it('mode merge leaves the user as it is (and says so); mode update suspends it, once', async () => {
    const activeFile = path.join(tmp, 'active.ndjson');
    const blockedFile = path.join(tmp, 'blocked.ndjson');
    fs.writeFileSync(activeFile, line(false));
    fs.writeFileSync(blockedFile, line(true));
    expect((await runImport(db.store, activeFile, {})).counts.users_created).toBe(1);
    const userId = await userIdOf('later@auth0.example.com');
    const userEvents = async () => (await db.store.readStream(streams.user(userId))).map((e) => e.type);

    const merge = await runImport(db.store, blockedFile, { mode: 'merge' });
    expect(merge.counts).toMatchObject({ users_unchanged: 1, users_updated: 0 });
    expect(merge.issues.map((i) => i.code)).toEqual(['SUSPENDED_AT_SOURCE']);
    expect(merge.issues[0]!.message).toContain('mode update');
    expect(await userEvents()).toEqual(['UserImported']);

    const update = await runImport(db.store, blockedFile, { mode: 'update' });
    expect(update.counts).toMatchObject({ users_updated: 1 });
    expect(await userEvents()).toEqual(['UserImported', 'UserSuspended']);
    expect((await loadUser(db.store, userId)).status).toBe('suspended');

    const again = await runImport(db.store, blockedFile, { mode: 'update' });
    expect(again.counts).toMatchObject({ users_unchanged: 1, users_updated: 0 });
    expect(await userEvents()).toEqual(['UserImported', 'UserSuspended']);
  });
});
