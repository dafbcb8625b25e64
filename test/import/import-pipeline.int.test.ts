import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { runImport } from '../../src/commands/import/run';
import { createOrganization, ensureDefaults } from '../../src/commands/organizations';
import { createRole } from '../../src/commands/roles';
import type { EventStore } from '../../src/eventstore/types';
import { createTestDatabase } from '../support/db';

/*
 * The import decides batch n+1 while batch n is being written. A batch decided
 * before the previous one committed may have missed what that one claimed (a key)
 * or wrote (a user spread over both batches): the store refuses its append and it
 * is decided again. Whatever the batch size, the outcome is the same.
 */
const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });

const csv = [
  'email,id,first_name,roles,external_organization_id',
  'a@example.com,p1,Ann,role_1,ext_org_id_1',
  'b@example.com,p2,Ben,,',
  // A later row of p1 (batch 2 at two rows a batch): one more role.
  'a@example.com,p1,Ann,role_2,ext_org_id_1',
  // Another provided id with b's email (batch 2): refused as a duplicate in the file.
  'b@example.com,p3,Bob,,',
  'c@example.com,p4,Cy,,',
  // The same, with the previous batch's last row (c@example.com, batch 3).
  'c@example.com,p5,Cat,,',
].join('\n');

async function importWith(file: string, batchSize: number, wrap: (store: EventStore) => EventStore = (store) => store) {
  const db = await createTestDatabase();
  try {
    // Organization codes and role ids are random per database: events name them by what they are.
    const names = new Map<string, string>([[(await ensureDefaults(db.store, admin)).defaultOrgCode, 'DEFAULT_ORG']]);
    names.set((await createOrganization(db.store, admin, { name: 'one', externalId: 'ext_org_id_1' })).orgCode, 'ORG_1');
    for (const key of ['role_1', 'role_2']) names.set((await createRole(db.store, admin, { key, name: key })).roleId, key.toUpperCase());
    const report = await runImport(wrap(db.store), file, { batchSize, importId: 'imp_pipeline' });
    const named = (text: string) => [...names].reduce((t, [id, name]) => t.replaceAll(id, name), text);
    const events = (await db.store.readAll('start', 1_000_000)).filter((e) => e.streamId.startsWith('user-')).map((e) => named(`${e.streamId}#${e.revision}:${e.type}:${JSON.stringify(e.data)}`));
    return { status: report.status, counts: report.counts, issues: report.issues.map((i) => `${i.line}:${i.code}`).sort(), events: events.sort() };
  } finally {
    await db.close();
  }
}

/**
 * A store whose first batch append waits until the next batch has read the users it
 * touches: the next batch is then always decided on state without the first batch.
 */
function holdingFirstBatch(store: EventStore): EventStore & { retried: () => boolean } {
  let release!: () => void;
  const nextBatchRead = new Promise<void>((resolve) => (release = resolve));
  let held = false;
  const appended: string[] = [];
  const wrapped: EventStore = {
    ...store,
    comparePositions: (a, b) => store.comparePositions(a, b),
    readStreams: async (ids) => {
      if (held) release();
      return store.readStreams(ids);
    },
    appendToStreams: async (appends) => {
      if (held) appended.push(...appends.map((a) => a.streamId).filter((id) => id.startsWith('user-')));
      if (!held && appends.some((a) => a.streamId === 'import-imp_pipeline')) {
        held = true;
        await nextBatchRead;
      }
      return store.appendToStreams(appends);
    },
  };
  // A user stream appended twice after the hold: batch 2's first decision was refused and made again.
  return Object.assign(wrapped, { retried: () => new Set(appended).size < appended.length });
}

describe('pipelined import', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-pipeline-'));
    file = path.join(dir, 'users.csv');
    fs.writeFileSync(file, csv);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('two rows a batch ends as one batch does: the same events and errors', async () => {
    const small = await importWith(file, 2);
    const whole = await importWith(file, 1000);
    expect(small.status).toBe('completed');
    expect(small.events).toEqual(whole.events);
    expect(small.issues).toEqual(whole.issues);
    expect(small.issues).toEqual(['5:DUPLICATE_IN_FILE', '7:DUPLICATE_IN_FILE']);
    // p1's second row, decided while its first was being written, still reached the user.
    expect(small.events.filter((e) => e.includes('ROLE_2'))).toHaveLength(1);
    // The one difference a batch boundary makes: p1 is created by one batch and updated by the next.
    expect(whole.counts).toMatchObject({ rows: 6, rows_failed: 2, users_created: 3, users_updated: 0 });
    expect(small.counts).toEqual({ ...whole.counts, users_updated: 1 });
  });

  it('a batch decided before the previous one was written is decided again when that one changed a user it touches', async () => {
    let probe: ReturnType<typeof holdingFirstBatch> | undefined;
    const raced = await importWith(file, 2, (store) => (probe = holdingFirstBatch(store)));
    const whole = await importWith(file, 1000);
    expect(probe!.retried()).toBe(true);
    expect(raced.events).toEqual(whole.events);
    expect(raced.issues).toEqual(whole.issues);
    expect(raced.counts).toEqual({ ...whole.counts, users_updated: 1 });
  });
});
