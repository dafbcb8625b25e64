import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirUnreachableError, resolveClusterDir, ROOT_CLUSTERS_DIR } from '../../src/db/cluster-dir';
import { createLogger } from '../../src/logger';

/**
 * Issue 13, item 7: as root, PostgreSQL runs as the `postgres` system user, which
 * cannot enter a `mktemp -d` folder (mode 700). The folder is not loosened: the
 * cluster goes where that user can reach it, or Roster stops with one line.
 */
const asRoot = process.getuid?.() === 0;
if (!asRoot) console.warn('cluster-dir.int: the root cases are skipped (not running as root)');
const logger = createLogger('silent');
const made: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-cluster-'));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) {
    const link = path.join(d, 'pg');
    if (fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) fs.rmSync(path.dirname(fs.readlinkSync(link)), { recursive: true, force: true });
    fs.rmSync(d, { recursive: true, force: true });
  }
});

describe('where the embedded cluster lives', () => {
  it('not as root: in the data directory', () => {
    const d = tempDir();
    expect(resolveClusterDir(d, undefined, logger)).toBe(path.join(d, 'pg'));
  });

  describe.runIf(asRoot)('as root', () => {
    const uid = () => Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = () => Number(execFileSync('id', ['-g', 'postgres']).toString());

    it('a mode-700 folder stays mode 700; the cluster goes to a postgres-owned folder the data directory links to', () => {
      const d = tempDir();
      const user = { uid: uid(), gid: gid() };
      const cluster = resolveClusterDir(d, user, logger);
      expect(path.dirname(path.dirname(cluster))).toBe(ROOT_CLUSTERS_DIR);
      expect(fs.statSync(d).mode & 0o777).toBe(0o700);
      expect(fs.readlinkSync(path.join(d, 'pg'))).toBe(cluster);
      const home = fs.statSync(path.dirname(cluster));
      expect([home.uid, home.mode & 0o777]).toEqual([user.uid, 0o700]);
      // The next start finds the same cluster through the link.
      expect(resolveClusterDir(d, user, logger)).toBe(cluster);
    });

    it('a folder postgres can reach keeps the cluster inside', () => {
      const d = tempDir();
      fs.chmodSync(d, 0o755);
      expect(resolveClusterDir(d, { uid: uid(), gid: gid() }, logger)).toBe(path.join(d, 'pg'));
    });

    it('an existing cluster postgres cannot reach: stops with one line naming the folder and the fix', () => {
      const d = tempDir();
      fs.mkdirSync(path.join(d, 'pg'));
      fs.writeFileSync(path.join(d, 'pg', 'PG_VERSION'), '18\n');
      let error: unknown;
      try {
        resolveClusterDir(d, { uid: uid(), gid: gid() }, logger);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(DataDirUnreachableError);
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toContain(d);
      expect(message).toContain(`chmod o+x ${d}`);
      expect(fs.statSync(d).mode & 0o777).toBe(0o700);
    });
  });
});
