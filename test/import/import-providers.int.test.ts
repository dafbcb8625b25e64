import fs from 'node:fs';
import { ownerOfValue } from '../support/owners';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { runImport, type RunImportOptions } from '../../src/commands/import/run';
import { parseColumnMap } from '../../src/commands/import/parse/column-map';
import { parseFirebaseHashConfig } from '../../src/commands/import/parse/firebase';
import { createOrganization, ensureDefaults } from '../../src/commands/organizations';
import { createRole } from '../../src/commands/roles';
import { loadUser } from '../../src/commands/users';
import { streams } from '../../src/domain/streams';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * Every provider format end to end through the import, against the real store:
 * users and access created, password inputs stored as src/passwords parses them,
 * resets requested where the source says so, and a second run of the same file
 * appends no event at all.
 */
const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });
const fixture = (name: string) => path.join(__dirname, '../fixtures/import', name);
const hashConfig = () => {
  const c = parseFirebaseHashConfig(fs.readFileSync(fixture('firebase-hash-config.json'), 'utf8'));
  if (!c.ok) throw new Error(c.reason);
  return c.config;
};
const columnMap = () => {
  const m = parseColumnMap(fs.readFileSync(fixture('homegrown-map.json'), 'utf8'));
  if (!m.ok) throw new Error(m.reason);
  return m.map;
};

let db: TestDatabase;
let acmeCode: string;
const roleIds: Record<string, string> = {};

async function userIdOf(kind: 'email' | 'provided_id' | 'username' | 'phone', value: string): Promise<string> {
  const owner = await ownerOfValue(db.store, kind, value);
  if (!owner) throw new Error(`no user for ${kind} ${value}`);
  return owner;
}
const eventCount = async () => (await db.store.readAll('start', 100_000)).length;
const userEventTypes = async (userId: string) => (await db.store.readStream(streams.user(userId))).map((e) => e.type);
async function activeUser(userId: string) {
  const u = await loadUser(db.store, userId);
  if (u.status !== 'active') throw new Error(`user ${userId} is ${u.status}`);
  return u;
}

/** Imports, then imports the same file again: the second run appends only the job's own events. */
async function importTwice(file: string, options: RunImportOptions) {
  const first = await runImport(db.store, fixture(file), options);
  expect(first.status).toBe('completed');
  const before = await eventCount();
  const again = await runImport(db.store, fixture(file), options);
  expect(again.counts.users_created).toBe(0);
  expect(again.counts.users_updated).toBe(0);
  const appended = (await db.store.readAll('start', 100_000)).slice(before);
  expect(appended.every((e) => e.streamId === `import-${again.id}`)).toBe(true);
  return first;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureDefaults(db.store, admin);
  ({ orgCode: acmeCode } = await createOrganization(db.store, admin, { name: 'Acme', externalId: 'acme' }));
  for (const key of ['admin', 'billing-app:viewer', 'editor']) roleIds[key] = (await createRole(db.store, admin, { key, name: key })).roleId;
});
afterAll(async () => {
  await db?.close();
});

describe('provider exports, end to end', () => {
  it('firebase JSON: users with Firebase scrypt passwords and the project parameters; re-import appends nothing', async () => {
    const report = await importTwice('firebase-users.json', { firebaseHashConfig: hashConfig() });
    expect(report.format).toBe('firebase');
    expect(report.counts).toMatchObject({ rows: 5, rows_failed: 1, users_created: 4 });
    const ada = await activeUser(await userIdOf('provided_id', 'fb-user-1'));
    expect(ada.password?.stored).toMatchObject({
      method: 'firebase_scrypt',
      salt: '42xEC+ixf3L2lw==',
      params: expect.objectContaining({ rounds: 8, mem_cost: 14 }),
    });
    expect(ada.firstName).toBe('Ada');
    // "disabled": true in Firebase: imported suspended.
    expect((await loadUser(db.store, await userIdOf('provided_id', 'fb-user-5'))).status).toBe('suspended');
  });

  it('firebase CSV (no header): detected and imported', async () => {
    const report = await importTwice('firebase-users.csv', { firebaseHashConfig: hashConfig() });
    expect(report.format).toBe('firebase');
    expect(report.counts).toMatchObject({ rows: 4, rows_failed: 1, users_created: 3 });
  });

  it('keycloak realm export: PBKDF2 passwords, groups as organizations with realm and client roles, UPDATE_PASSWORD as a reset', async () => {
    const report = await importTwice('keycloak-realm.json', {});
    expect(report.format).toBe('keycloak');
    expect(report.counts).toMatchObject({ rows: 4, rows_failed: 1, users_created: 3 });
    const codes = report.issues.map((i) => `${i.line}:${i.code}`).sort();
    expect(codes).toEqual(['2:ORGANIZATION_NOT_FOUND', '3:SUSPENDED_AT_SOURCE', '4:INVALID_FIELD']);
    const adaId = await userIdOf('provided_id', '8a1c1f52-3b4d-4e5f-8a9b-0c1d2e3f4a5b');
    const ada = await activeUser(adaId);
    expect(ada.password?.stored.method).toBe('pbkdf2');
    expect([...(ada.organizations[acmeCode]?.roleIds ?? [])].sort()).toEqual([roleIds.admin, roleIds['billing-app:viewer']].sort());
    expect(ada.passwordResetRequested).toBe(false);
    const grace = await activeUser(await userIdOf('email', 'grace@keycloak.example.com'));
    expect(grace.passwordResetRequested).toBe(true);
    expect(await userEventTypes(grace.userId)).toEqual(['UserImported', 'UserPasswordResetRequested']);
    // "enabled": false in Keycloak: imported suspended.
    expect((await loadUser(db.store, await userIdOf('provided_id', '0c3e3b74-5d6f-4a71-8bcd-2e3f4a5b6c7d'))).status).toBe('suspended');
  });

  it('supabase CSV and JSON: bcrypt passwords, confirmed emails and phones', async () => {
    const csv = await importTwice('supabase-users.csv', {});
    expect(csv.counts).toMatchObject({ rows: 5, rows_failed: 2, users_created: 3 });
    const json = await importTwice('supabase-users.json', {});
    expect(json.format).toBe('supabase');
    expect(json.counts).toMatchObject({ rows: 2, rows_failed: 0, users_created: 2 });
    const ada = await activeUser(await userIdOf('email', 'ada@supabase.example.com'));
    expect(ada.password?.stored.method).toBe('bcrypt');
    await activeUser(await userIdOf('phone', '+61412345670'));
  });

  it('clerk CSV: identities and bcrypt digests; an unsupported hasher imports the user without a password', async () => {
    const report = await importTwice('clerk-users.csv', {});
    expect(report.format).toBe('clerk');
    expect(report.counts).toMatchObject({ rows: 4, rows_failed: 1, users_created: 3 });
    const linus = await activeUser(await userIdOf('email', 'linus@clerk.example.com'));
    expect(linus.password).toBeUndefined();
  });

  it('cognito CSV: every user imported without a password and with a reset requested', async () => {
    const report = await importTwice('cognito-users.csv', {});
    expect(report.format).toBe('cognito');
    expect(report.counts).toMatchObject({ rows: 3, rows_failed: 0, users_created: 3 });
    expect(report.issues.filter((i) => i.code === 'PASSWORD_NOT_IMPORTED')).toHaveLength(3);
    const ada = await activeUser(await userIdOf('email', 'ada@cognito.example.com'));
    expect(ada.password).toBeUndefined();
    expect(ada.passwordResetRequested).toBe(true);
  });

  it('a home-grown CSV through --map: mapped columns, constants, split roles', async () => {
    const report = await importTwice('homegrown-users.csv', { columnMap: columnMap() });
    expect(report.counts).toMatchObject({ rows: 3, rows_failed: 1, users_created: 2 });
    expect(report.file_warnings.map((w) => w.field)).toEqual(['last_login']);
    const ada = await activeUser(await userIdOf('provided_id', '1001'));
    expect([...(ada.organizations[acmeCode]?.roleIds ?? [])].sort()).toEqual([roleIds.admin, roleIds.editor].sort());
    expect(ada.password?.stored.method).toBe('bcrypt');
  });

  it("a dry run of a provider file writes nothing but the job's own events", async () => {
    const before = await eventCount();
    const report = await runImport(db.store, fixture('keycloak-realm.json'), { dryRun: true, mode: 'update' });
    expect(report.status).toBe('completed');
    const appended = (await db.store.readAll('start', 100_000)).slice(before);
    expect(appended.every((e) => e.streamId === `import-${report.id}`)).toBe(true);
  });
});
