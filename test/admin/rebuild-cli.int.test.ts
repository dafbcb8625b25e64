import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rebuildCommand } from '../../src/cli/rebuild';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../support/db';

/** `roster rebuild NAME` records the rebuild it was asked for (the audit log's input), as the console's does. */
let db: TestDatabase;
let dataDir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-rebuild-cli-'));
});
afterAll(async () => {
  await db?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('roster rebuild', () => {
  it('records ProjectionRebuildRequested on system-projections, actor system `cli`, before rebuilding', async () => {
    let stdout = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
    let code: number;
    try {
      const config = loadConfig({ DATABASE_URL: db.url, ROSTER_DATA_DIR: dataDir, ROSTER_SECRET_KEY: 'rebuild-cli-test-secret-key-0123456789' });
      code = await rebuildCommand.run(['roles'], { config, logger: createLogger('silent') });
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(0);
    expect(stdout).toMatch(/^rebuilt roles/);
    const events: { type: string; data: unknown; metadata: Record<string, unknown> }[] = await db.knex('events').where({ stream_id: 'system-projections' }).select('type', 'data', 'metadata');
    expect(events.map((e) => [e.type, e.data])).toEqual([['ProjectionRebuildRequested', { projection: 'roles', version: expect.any(Number) }]]);
    expect(events[0]!.metadata).toMatchObject({ actor: { type: 'system', id: 'cli' }, source: 'system' });
  });
});
