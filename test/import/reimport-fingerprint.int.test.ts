import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { runImport } from '../../src/commands/import/run';
import { createOrganization, ensureDefaults } from '../../src/commands/organizations';
import { createRole } from '../../src/commands/roles';
import { loadUser, removeRole } from '../../src/commands/users';
import type { EventStore } from '../../src/eventstore/types';
import { createTestDatabase, type TestDatabase } from '../support/db';

/*
 * A re-import skips deciding a user whose newest event carries the fingerprint of the same
 * rows and mode (src/commands/import/fingerprint.ts). These tests tell the skip from the full
 * decision by the user streams the import reads, and check that every change since the last
 * import — to the user, to a row, to the mode — falls back to the full decision.
 */

const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });

describe('import: re-import skips users unchanged since their import', () => {
  let db: TestDatabase;
  let dir: string;
  let roleId: string;
  let orgCode: string;
  /** The user streams the import read whole (folded to decide). */
  let folded: string[];
  let store: EventStore;

  const csv = (rows: string[]) => {
    const p = path.join(dir, `f${fs.readdirSync(dir).length}.csv`);
    fs.writeFileSync(p, ['email,first_name,id,roles,external_organization_id', ...rows].join('\n'));
    return p;
  };
  const userEvents = async () => (await db.store.readAll('start', 100_000)).filter((e) => e.streamId.startsWith('user-'));
  const rows = ['ada@example.com,Ada,u1,admin,acme', 'grace@example.com,Grace,u2,admin,acme', 'linus@example.com,Linus,u3,,'];

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-reimport-'));
    await ensureDefaults(db.store, admin);
    ({ orgCode } = await createOrganization(db.store, admin, { name: 'Acme', externalId: 'acme' }));
    ({ roleId } = await createRole(db.store, admin, { key: 'admin', name: 'Admin' }));
    store = {
      ...db.store,
      readStreams: (ids) => {
        folded.push(...ids.filter((s) => s.startsWith('user-')));
        return db.store.readStreams(ids);
      },
    };
  });
  beforeEach(() => {
    folded = [];
  });
  afterAll(async () => {
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stamps the imported events with a fingerprint, and skips the unchanged users on the re-import', async () => {
    const first = await runImport(store, csv(rows));
    expect(first.counts).toMatchObject({ users_created: 3 });
    const stamped = (await userEvents()).map((e) => e.metadata.import?.fingerprint);
    expect(stamped).toHaveLength(3);
    for (const f of stamped) expect(f).toMatch(/^[\w-]{22}$/);

    folded = [];
    const before = (await userEvents()).length;
    const again = await runImport(store, csv(rows));
    expect(again.counts).toMatchObject({ rows: 3, users_unchanged: 3, users_created: 0, users_updated: 0, rows_failed: 0 });
    expect(folded).toEqual([]);
    expect((await userEvents()).length).toBe(before);
  });

  it('decides a user again when anything happened to it since its import', async () => {
    const ada = (await userEvents()).find((e) => JSON.stringify(e.data).includes('ada@example.com'))!;
    const userId = ada.streamId.slice('user-'.length);
    await removeRole(db.store, admin, userId, orgCode, roleId);

    const report = await runImport(store, csv(rows));
    // Merge adds the role back: a skip would have called the user unchanged.
    expect(report.counts).toMatchObject({ users_updated: 1, users_unchanged: 2 });
    expect(folded).toEqual([ada.streamId]);
    const state = await loadUser(db.store, userId);
    expect((state as unknown as { organizations: Record<string, { roleIds: string[] }> }).organizations[orgCode]!.roleIds).toEqual([roleId]);
  });

  it('decides a user again when its row changed', async () => {
    // Merge never overwrites a name: the outcome is the same, but only a full decision can tell.
    const changed = [rows[0]!, 'grace@example.com,Gracie,u2,admin,acme', rows[2]!];
    const report = await runImport(store, csv(changed));
    expect(report.counts).toMatchObject({ users_unchanged: 3 });
    const grace = (await userEvents()).find((e) => JSON.stringify(e.data).includes('grace@example.com'))!;
    expect(folded).toEqual([grace.streamId]);
  });

  it('decides every user again in another mode', async () => {
    const report = await runImport(store, csv(rows), { mode: 'create_only' });
    expect(report.counts).toMatchObject({ users_skipped: 3 });
    expect(folded).toHaveLength(3);
  });

  it('stamps the events of an update only when deciding the rows again would change nothing', async () => {
    const ada = (await userEvents()).find((e) => JSON.stringify(e.data).includes('ada@example.com'))!;
    const userId = ada.streamId.slice('user-'.length);
    await removeRole(db.store, admin, userId, orgCode, roleId);
    const report = await runImport(store, csv(rows));
    expect(report.counts).toMatchObject({ users_updated: 1 });
    const last = (await db.store.readStream(ada.streamId)).at(-1)!;
    expect(last.type).toBe('UserImported');
    expect(last.metadata.import?.fingerprint).toMatch(/^[\w-]{22}$/);

    folded = [];
    expect((await runImport(store, csv(rows))).counts).toMatchObject({ users_unchanged: 3 });
    expect(folded).toEqual([]);
  });
});
