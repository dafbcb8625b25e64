import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { exportUsers } from '../../src/cli/export-users';
import { runImport } from '../../src/commands/import/run';
import { createOrganization, ensureDefaults } from '../../src/commands/organizations';
import { createPermission, createRole } from '../../src/commands/roles';
import { createUser, loadUser } from '../../src/commands/users';
import { streams } from '../../src/domain/streams';
import type { ExistingUser } from '../../src/domain/user/state';
import { uniqueKey, type EventStore } from '../../src/eventstore/types';
import { createLogger } from '../../src/logger';
import { allProjections } from '../../src/all-projections';
import { createProjector } from '../../src/projections/projector';
import { createTestDatabase, type TestDatabase } from '../support/db';

const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });
const fixtures = path.join(__dirname, '../fixtures/import');
let dir: string;
const write = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};

/** Organizations ext_org_id_1..3, roles role_1..4, permissions permission_1..4 (the docs' example keys). */
async function seedAccess(store: EventStore) {
  await ensureDefaults(store, admin);
  const orgs: Record<string, string> = {};
  for (const ext of ['ext_org_id_1', 'ext_org_id_2', 'ext_org_id_3']) orgs[ext] = (await createOrganization(store, admin, { name: ext, externalId: ext })).orgCode;
  const roles: Record<string, string> = {};
  for (const key of ['role_1', 'role_2', 'role_3', 'role_4']) roles[key] = (await createRole(store, admin, { key, name: key })).roleId;
  const permissions: Record<string, string> = {};
  for (const key of ['permission_1', 'permission_2', 'permission_3', 'permission_4']) permissions[key] = (await createPermission(store, admin, { key, name: key })).permissionId;
  return { orgs, roles, permissions };
}

async function userByEmail(store: EventStore, email: string): Promise<ExistingUser> {
  const owner = (await store.uniqueOwners([{ kind: 'email', value: email }])).get(uniqueKey('email', email))!;
  return (await loadUser(store, owner)) as ExistingUser;
}

const nonJobEvents = async (store: EventStore) => (await store.readAll('start', 1_000_000)).filter((e) => !e.streamId.startsWith('import-'));

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-import-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Each case has its own database with the docs' organizations, roles and permissions: no case sees another's users. */
describe('import scenarios', () => {
  let db: TestDatabase;
  let seeded: Awaited<ReturnType<typeof seedAccess>>;
  beforeEach(async () => {
    db = await createTestDatabase();
    seeded = await seedAccess(db.store);
  });
  afterEach(async () => db?.close());

  /** Given: the docs' example users file imported (Jen, Elmo…). */
  const givenKindeUsers = () => runImport(db.store, path.join(fixtures, 'kinde-users.csv'));

  it('merges the rows of one user: one row per organization with its roles (the docs example)', async () => {
    const report = await givenKindeUsers();
    expect(report.status).toBe('completed');
    const jen = await userByEmail(db.store, 'jen@kinde.com');
    expect(jen.providedId).toBe('0001');
    const { orgs, roles } = seeded;
    expect(Object.keys(jen.organizations).sort()).toEqual([orgs.ext_org_id_1, orgs.ext_org_id_2, orgs.ext_org_id_3].sort());
    expect([...jen.organizations[orgs.ext_org_id_1!]!.roleIds].sort()).toEqual([roles.role_1, roles.role_2].sort());
    expect(jen.organizations[orgs.ext_org_id_3!]!.roleIds).toEqual([roles.role_3]);
  });

  it('adds access to users already imported from an access-only second file', async () => {
    await givenKindeUsers();
    const report = await runImport(db.store, write('access.csv', 'id,roles,permissions,external_organization_id\n0002,"role_4","permission_4","ext_org_id_3"\n9999,"role_1",,"ext_org_id_1"\n'));
    expect(report.counts).toMatchObject({ users_updated: 1, rows_failed: 1 });
    expect(report.issues.map((i) => i.code)).toEqual(['USER_NOT_FOUND']);
    const elmo = await userByEmail(db.store, 'elmo@kinde.com');
    expect(elmo.organizations[seeded.orgs.ext_org_id_3!]).toEqual({ roleIds: [seeded.roles.role_4], permissionIds: [seeded.permissions.permission_4] });
  });

  it('refuses a row whose email belongs to a different existing user (CONFLICT_EXISTING_USER) and applies nothing from it', async () => {
    await createUser(db.store, admin, { identities: [{ type: 'email', identity: 'taken@example.com' }] });
    const before = (await nonJobEvents(db.store)).length;
    const report = await runImport(db.store, write('conflict.csv', 'email,id,first_name\ntaken@example.com,other-id,Mallory\n'));
    expect(report.issues).toEqual([expect.objectContaining({ line: 2, code: 'CONFLICT_EXISTING_USER', field: 'email', severity: 'error' })]);
    expect((await nonJobEvents(db.store)).length).toBe(before);
  });

  it('a social identity held by another user is CONFLICT_EXISTING_USER; the same one on two rows of a file is DUPLICATE_IN_FILE', async () => {
    await createUser(db.store, admin, {
      identities: [
        { type: 'email', identity: 'holder@example.com' },
        { type: 'oauth2:github', identity: 'gh-4242', provider: 'github' },
      ],
    });
    const line = (id: string, email: string, subject: string) =>
      JSON.stringify({
        id,
        first_name: id,
        identities: [
          { type: 'email', identity: email },
          { type: 'oauth2:github', identity: subject, provider: 'github' },
        ],
      });
    const before = (await nonJobEvents(db.store)).length;
    const report = await runImport(
      db.store,
      write('social.ndjson', [line('s-1', 's1@example.com', 'gh-4242'), line('s-2', 's2@example.com', 'gh-77'), line('s-3', 's3@example.com', 'gh-77')].join('\n') + '\n'),
    );
    const issues = report.issues.map((i) => [i.line, i.code]).sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(issues).toEqual([
      [1, 'CONFLICT_EXISTING_USER'],
      [3, 'DUPLICATE_IN_FILE'],
    ]);
    expect(report.issues.find((i) => i.code === 'CONFLICT_EXISTING_USER')!.message).toContain('social identity');
    expect(report.counts).toMatchObject({ users_created: 1, rows_failed: 2 });
    expect((await nonJobEvents(db.store)).length).toBe(before + 1);
  });

  it.each([
    ['merge', 'Jennifer', 'Jen'],
    ['update', 'Jennifer', 'Jennifer'],
    ['create_only', 'Jennifer', 'Jen'],
  ] as const)('mode %s: a changed first name in the file gives %s -> %s', async (mode, fileName, expected) => {
    await givenKindeUsers();
    const report = await runImport(db.store, write(`mode-${mode}.csv`, `email,id,first_name\njen@kinde.com,0001,${fileName}\n`), { mode });
    const jen = await userByEmail(db.store, 'jen@kinde.com');
    expect(jen.firstName).toBe(expected);
    if (mode === 'create_only') expect(report.counts.users_skipped).toBe(1);
  });

  it('imports an Auth0 user export and then its password-hash export, matched by id or email', async () => {
    const users = await runImport(db.store, path.join(fixtures, 'auth0-users.ndjson'));
    expect(users.status).toBe('completed');
    expect(users.format).toBe('auth0');
    const ann = await userByEmail(db.store, 'ann@example.com');
    expect(ann.providedId).toBe('60425da93519d90068f82966');
    expect(ann.password).toBeUndefined();
    const passwords = await runImport(db.store, path.join(fixtures, 'auth0-passwords.ndjson'));
    expect(passwords.format).toBe('auth0_passwords');
    const annAfter = await userByEmail(db.store, 'ann@example.com');
    expect(annAfter.password?.stored.method).toBe('bcrypt');
  });
});

describe('import crash safety', () => {
  it('kill -9 in the middle, then the same import again, equals one uninterrupted run with no duplicate events', async () => {
    const rows = ['email,id,first_name,last_name,roles,external_organization_id'];
    for (let i = 0; i < 3000; i++) rows.push(`user${i}@example.com,id-${i},First${i},Last${i},role_1,ext_org_id_${(i % 3) + 1}`);
    const file = write('crash.csv', rows.join('\n') + '\n');

    const crashed = await createTestDatabase();
    const clean = await createTestDatabase();
    try {
      // The same catalogue in both databases, with the same ids.
      const fixedIds = () => {
        let n = 0;
        return { userId: () => `kp_${String(++n).padStart(32, '0')}`, orgCode: () => `org_${String(++n).padStart(12, '0')}`, uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` };
      };
      for (const db of [crashed, clean]) {
        const ctx = createContext({ actor: { type: 'admin', id: 'a' }, source: 'admin', occurredAt: '2026-01-01T00:00:00.000Z', newId: fixedIds() });
        await ensureDefaults(db.store, ctx);
        for (const ext of ['ext_org_id_1', 'ext_org_id_2', 'ext_org_id_3']) await createOrganization(db.store, ctx, { name: ext, externalId: ext });
        await createRole(db.store, ctx, { key: 'role_1', name: 'Role 1' });
      }

      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/import-child.ts', file], {
        env: { ...process.env, DATABASE_URL: crashed.url },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('batch 3') && resolve());
        child.once('exit', () => reject(new Error('the import finished before it could be killed')));
      });
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const partial = (await crashed.store.readAll('start', 1_000_000)).filter((e) => e.type === 'UserImported').length;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(3000);

      await runImport(crashed.store, file, { batchSize: 200 });
      await runImport(clean.store, file, { batchSize: 200 });

      const userEvents = async (store: EventStore) =>
        (await store.readAll('start', 1_000_000))
          .filter((e) => !e.streamId.startsWith('import-'))
          .map((e) => `${e.streamId}#${e.revision}:${e.type}:${e.id}:${JSON.stringify(e.data)}`)
          .sort();
      const [a, b] = [await userEvents(crashed.store), await userEvents(clean.store)];
      expect(new Set(a).size).toBe(a.length);
      expect(a).toEqual(b);
    } finally {
      await crashed.close();
      await clean.close();
    }
  });
});

describe('export -> import round trip', () => {
  it('exporting from one Roster and importing into another yields the same users', async () => {
    const source = await createTestDatabase();
    const target = await createTestDatabase();
    const logger = createLogger('silent');
    try {
      await seedAccess(source.store);
      await seedAccess(target.store);
      const csv = [
        'email,id,first_name,last_name,roles,permissions,external_organization_id,hashed_password,hashing_method,salt,salt_position,username,phone',
        'a@example.com,p1,Ann,One,role_1,permission_1,ext_org_id_1,5f4dcc3b5aa765d61d8327deb882cf99,md5,,,annie,',
        'b@example.com,p2,Ben,Two,"role_2,role_3",,ext_org_id_2,$2b$10$C9x6wgdSUaAPw3pOSFjzw.ybXD2cYz6Vay8IWC0v6M6EiSSnr1R3a,bcrypt,,,,+61412345678',
        'c@example.com,,Cat,Three,,,,,,,,,',
      ].join('\n');
      await runImport(source.store, write('source.csv', csv + '\n'));
      const projector = createProjector({ store: source.store, knex: source.knex, pool: source.pool, projections: allProjections(source.store), logger });
      await projector.start();
      try {
        expect(await projector.waitFor(await source.store.headPosition(), 30_000)).toBe(true);
        const lines: string[] = [];
        for await (const u of exportUsers(source.store, source.knex)) lines.push(JSON.stringify(u));
        expect(lines).toHaveLength(3);
        const exported = write('export.ndjson', lines.join('\n') + '\n');
        const report = await runImport(target.store, exported);
        expect(report.counts).toMatchObject({ users_created: 3, rows_failed: 0 });
      } finally {
        await projector.stop();
      }

      const comparable = async (store: EventStore, email: string, keys: Awaited<ReturnType<typeof seedAccess>>) => {
        const u = await userByEmail(store, email);
        const byId = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k]));
        const [orgKey, roleKey, permKey] = [byId(keys.orgs), byId(keys.roles), byId(keys.permissions)];
        return {
          providedId: u.providedId,
          names: [u.firstName, u.lastName],
          identities: u.identities.map((i) => [i.type, i.identity, i.isPrimary]).sort(),
          organizations: Object.entries(u.organizations)
            .filter(([code]) => orgKey[code])
            .map(([code, a]) => [orgKey[code], a.roleIds.map((r) => roleKey[r]).sort(), a.permissionIds.map((p) => permKey[p]).sort()])
            .sort(),
          password: u.password?.stored,
        };
      };
      const sourceKeys = await seedKeys(source.store);
      const targetKeys = await seedKeys(target.store);
      for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) {
        expect(await comparable(target.store, email, targetKeys)).toEqual(await comparable(source.store, email, sourceKeys));
      }
    } finally {
      await source.close();
      await target.close();
    }
  });
});

/** The ids seedAccess created, read back from the store's unique values. */
async function seedKeys(store: EventStore) {
  const owner = async (key: string) => {
    const [kind, value] = [key.slice(0, key.lastIndexOf('-')), key.slice(key.lastIndexOf('-') + 1)];
    return (await store.uniqueOwners([{ kind, value }])).get(uniqueKey(kind, value))!;
  };
  const orgs: Record<string, string> = {};
  const roles: Record<string, string> = {};
  const permissions: Record<string, string> = {};
  for (const i of [1, 2, 3]) orgs[`ext_org_id_${i}`] = await owner(`org_external_id-ext_org_id_${i}`);
  for (const i of [1, 2, 3, 4]) roles[`role_${i}`] = await owner(`role_key-role_${i}`);
  for (const i of [1, 2, 3, 4]) permissions[`permission_${i}`] = await owner(`permission_key-permission_${i}`);
  return { orgs, roles, permissions };
}

describe('a 100,000-row import', () => {
  it('imports every valid row and reports the invalid ones, in batches', async () => {
    const db = await createTestDatabase();
    try {
      await ensureDefaults(db.store, admin);
      const lines = ['email,id,first_name,last_name'];
      for (let i = 0; i < 100_000; i++) lines.push(i % 1000 === 999 ? `broken-${i},id-${i},X,Y` : `u${i}@example.com,id-${i},F${i},L${i}`);
      const report = await runImport(db.store, write('big.csv', lines.join('\n') + '\n'));
      expect(report.counts).toMatchObject({ rows: 100_000, rows_failed: 100, users_created: 99_900 });
      // One event per imported user (unique values are constraint rows, not events), plus the job's own stream.
      const userEvents = (await db.store.readAll('start', 200_000)).filter((e) => e.streamId.startsWith('user-'));
      expect(userEvents).toHaveLength(99_900);
      const sample = (await db.store.readStream(streams.user((await userByEmail(db.store, 'u4242@example.com')).userId)))[0]!;
      expect(sample.metadata.import?.lines).toEqual([4244]);
    } finally {
      await db.close();
    }
  }, 300_000);
});
