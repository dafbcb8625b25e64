import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { runImport } from '../../src/commands/import/run';
import { ensureDefaults } from '../../src/commands/organizations';
import { createLogger } from '../../src/logger';
import { allProjections } from '../../src/all-projections';
import { checkpointName, type Projection } from '../../src/projections/projection';
import { createProjector } from '../../src/projections/projector';
import { createTestDatabase } from '../support/db';

/**
 * The service's read models survive kill -9 in the middle of projecting: after a
 * restart they equal a rebuild from zero, row for row.
 */
describe('kill -9 while projecting every read model', () => {
  it('leaves read models identical to a rebuild from zero after a restart', async () => {
    const db = await createTestDatabase();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-crash-'));
    try {
      await ensureDefaults(db.store, createContext({ actor: { type: 'system' }, source: 'system' }));
      const rows = ['email,id,first_name,last_name'];
      for (let i = 0; i < 3000; i++) rows.push(`p${i}@example.com,pid-${i},F${i},L${i}`);
      fs.writeFileSync(path.join(dir, 'users.csv'), rows.join('\n') + '\n');
      await runImport(db.store, path.join(dir, 'users.csv'));

      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/projector-child.ts', 'all'], {
        env: { ...process.env, DATABASE_URL: db.url },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('running') && resolve());
        child.once('exit', (code) => reject(new Error(`projector child exited early (${code})`)));
      });
      // Kill it once the users read model has applied some, but not all, batches.
      for (;;) {
        const cp = await db.knex('projection_checkpoints').where({ name: 'users_v2' }).first();
        if (cp && cp.position !== 'start') break;
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const partial = await db.knex('users_v2').count({ n: '*' }).first();
      expect(Number(partial!.n)).toBeLessThan(3000);

      const projector = createProjector({ store: db.store, knex: db.knex, pool: db.pool, projections: allProjections(db.store), logger: createLogger('silent'), options: { lockRetryMs: 100 } });
      await projector.start();
      try {
        expect(await projector.waitFor(await db.store.headPosition(), 120_000)).toBe(true);
        const snapshot = async (p: Projection) => {
          const out: Record<string, unknown[]> = {};
          for (const table of p.tables) out[table] = await db.knex(`${table}_v${p.version}`).select('*').orderByRaw('1, 2');
          return out;
        };
        expect(Number((await db.knex('users_v2').count({ n: '*' }).first())!.n)).toBe(3000);
        for (const p of allProjections(db.store)) {
          const afterRestart = await snapshot(p);
          await projector.rebuild(p.name);
          expect(await snapshot(p), `${checkpointName(p)} after kill -9 and restart`).toEqual(afterRestart);
        }
      } finally {
        await projector.stop();
      }
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
