import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { runImport } from '../../src/commands/import/run';
import { createOrganization, ensureDefaults } from '../../src/commands/organizations';
import { createPermission, createRole } from '../../src/commands/roles';
import { loadUser } from '../../src/commands/users';
import { createTestDatabase, type TestDatabase } from '../support/db';

const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });
let dir: string;
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};

describe('import: apply step against the real store', () => {
  let db: TestDatabase;
  let roleId: string;
  let orgCode: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-import-'));
    await ensureDefaults(db.store, admin);
    ({ orgCode } = await createOrganization(db.store, admin, { name: 'Acme', externalId: 'acme' }));
    ({ roleId } = await createRole(db.store, admin, { key: 'admin', name: 'Admin' }));
    await createPermission(db.store, admin, { key: 'read:reports', name: 'Read reports' });
  });
  afterAll(async () => {
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const csv = [
    'email,first_name,last_name,id,roles,permissions,external_organization_id,email_verified',
    'ada@example.com,Ada,Lovelace,u1,admin,read:reports,acme,TRUE',
    'grace@example.com,Grace,Hopper,u2,admin,,nowhere,TRUE',
    'not-an-email,Bad,Row,u3,,,,TRUE',
    'linus@example.com,Linus,T,u4,ghost,,acme,FALSE',
  ].join('\n');

  it('creates users with their organizations and roles, reports row errors and warnings', async () => {
    const report = await runImport(db.store, file('users.csv', csv));
    expect(report.status).toBe('completed');
    expect(report.counts).toMatchObject({ rows: 4, rows_failed: 1, users_created: 3 });
    const codes = report.issues.map((i) => `${i.line}:${i.code}`).sort();
    // "If an organization match is not found in Kinde, the user will be added to the default organization."
    expect(codes).toEqual(['3:ORGANIZATION_NOT_FOUND', '4:INVALID_EMAIL', '5:ROLE_NOT_FOUND']);
    const events = await db.store.readAll('start', 10_000);
    const imported = events.filter((e) => e.type === 'UserImported');
    expect(imported).toHaveLength(3);
    const ada = imported.find((e) => JSON.stringify(e.data).includes('ada@example.com'))!;
    expect(ada.metadata).toMatchObject({ source: 'import', actor: { type: 'import', id: report.id }, import: { id: report.id, format: 'csv', lines: [2] } });
    const state = await loadUser(db.store, (ada.data as { userId: string }).userId);
    expect(state.status).toBe('active');
    expect((state as unknown as { organizations: Record<string, { roleIds: string[] }> }).organizations[orgCode]!.roleIds).toEqual([roleId]);
  });

  it('re-importing the unchanged file appends no user events at all', async () => {
    const before = (await db.store.readAll('start', 100_000)).filter((e) => !e.streamId.startsWith('import-')).length;
    const report = await runImport(db.store, file('users-again.csv', csv));
    expect(report.counts).toMatchObject({ users_created: 0, users_unchanged: 3, rows_failed: 1 });
    const after = (await db.store.readAll('start', 100_000)).filter((e) => !e.streamId.startsWith('import-')).length;
    expect(after).toBe(before);
  });

  it('rejects a file that is not UTF-8 and appends no events at all', async () => {
    const bad = path.join(dir, 'latin1.csv');
    fs.writeFileSync(bad, Buffer.concat([Buffer.from('email,first_name\nx@example.com,Jos'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const before = (await db.store.stats()).events;
    const report = await runImport(db.store, bad);
    expect(report.status).toBe('failed');
    expect(report.errors[0]).toMatchObject({ code: 'INVALID_ENCODING' });
    expect((await db.store.stats()).events).toBe(before);
  });

  it('dry run plans every row and writes no user events', async () => {
    const before = (await db.store.readAll('start', 100_000)).filter((e) => e.streamId.startsWith('user-')).length;
    const report = await runImport(db.store, file('dry.csv', 'email,first_name\nnew1@example.com,New\nnew2@example.com,Two\n'), { dryRun: true });
    expect(report.counts).toMatchObject({ users_created: 2 });
    const after = (await db.store.readAll('start', 100_000)).filter((e) => e.streamId.startsWith('user-')).length;
    expect(after).toBe(before);
  });
});
