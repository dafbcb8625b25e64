import fs from 'node:fs';
import { ownerOfValue } from '../support/owners';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { toEventData } from '../../src/commands/handle';
import { createImportJobs } from '../../src/commands/import/jobs';
import { parseColumnMap } from '../../src/commands/import/parse/column-map';
import { parseFirebaseHashConfig } from '../../src/commands/import/parse/firebase';
import { ensureDefaults } from '../../src/commands/organizations';
import { importStream } from '../../src/domain/import/events';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * An HTTP job's --map and Firebase hash parameters live beside its spooled file
 * (not in the event log: the signer key is a secret), so a job interrupted by a
 * restart resumes reading the file the same way.
 */
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../fixtures/import', name), 'utf8');
const system = createContext({ actor: { type: 'system' }, source: 'system' });
let db: TestDatabase;
let dataDir: string;
const logger = createLogger('error', {}, () => {});

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-jobs-'));
  await ensureDefaults(db.store, system);
});
afterAll(async () => {
  await db?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('import jobs keep how to read their file', () => {
  it("submit writes the options beside the spooled file (0600), never into the job's events", async () => {
    const jobs = createImportJobs({ store: db.store, dataDir, logger });
    const hash = parseFirebaseHashConfig(fixture('firebase-hash-config.json'));
    if (!hash.ok) throw new Error(hash.reason);
    const id = 'imp_0a0a0a0a';
    const spooled = jobs.spoolPath(id);
    fs.writeFileSync(spooled, fixture('firebase-users.json'));
    await jobs.submit(spooled, { importId: id, mode: 'merge', dryRun: false, totalBytes: fs.statSync(spooled).size, firebaseHashConfig: hash.config, migration: 'fb', requestedBy: {} });
    await jobs.idle();
    const options = `${spooled}.options.json`;
    expect(fs.statSync(options).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(options, 'utf8'))).toMatchObject({ firebaseHashConfig: { rounds: 8, mem_cost: 14 } });
    const events = await db.store.readStream(importStream(id));
    expect(events.map((e) => e.type).at(-1)).toBe('ImportCompleted');
    expect(events[0]!.data).toMatchObject({ migration: 'fb' });
    expect(JSON.stringify(events)).not.toContain(hash.config.base64_signer_key);
    jobs.discard(id);
    expect(fs.existsSync(options)).toBe(false);
    await jobs.stop();
  });

  it('an interrupted job resumes with its map', async () => {
    const map = parseColumnMap(fixture('homegrown-map.json'));
    if (!map.ok) throw new Error(map.reason);
    // As a crash leaves it: the file spooled, its options beside it, ImportQueued recorded, nothing run.
    const id = 'imp_0b0b0b0b';
    const dir = path.join(dataDir, 'imports');
    fs.writeFileSync(path.join(dir, id), fixture('homegrown-users.csv'));
    fs.writeFileSync(path.join(dir, `${id}.options.json`), JSON.stringify({ columnMap: map.map }), { mode: 0o600 });
    const stream = importStream(id);
    await db.store.appendToStream(
      stream,
      toEventData(stream, 0, [{ type: 'ImportQueued', data: { importId: id, format: null, mode: 'merge', dryRun: false, totalBytes: null } }], system),
      'no_stream',
    );

    const jobs = createImportJobs({ store: db.store, dataDir, logger });
    expect(await jobs.resumePending()).toBe(1);
    await jobs.idle();
    await jobs.stop();
    const events = await db.store.readStream(stream);
    expect(events.at(-1)).toMatchObject({ type: 'ImportCompleted', data: { counts: { users_created: 2, rows_failed: 1 } } });
    expect(await ownerOfValue(db.store, 'provided_id', '1001')).toBeDefined();
  });
});
