import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDirLock, acquireDirLockSync } from '../../src/db/dir-lock';
import { addLease, liveLeases } from '../../src/db/leases';
import { processStartTime, selfIdentity } from '../../src/db/process-identity';

/** The lock and the leases shared by the Roster processes of one data directory: stale entries never block or count. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-lock-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A live process that is not this one (its identity is real). */
async function otherProcess() {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  const exited = new Promise((r) => child.once('exit', r));
  return { pid: child.pid!, start: processStartTime(child.pid!)!, kill: () => child.kill('SIGKILL'), exited };
}

describe('data directory lock', () => {
  it('is exclusive while a live process holds it, and free again once released', async () => {
    const lockPath = path.join(dir, 'a.lock');
    const other = await otherProcess();
    try {
      fs.writeFileSync(lockPath, `${other.pid} ${other.start}`);
      await expect(acquireDirLock(lockPath, { timeoutMs: 300 })).rejects.toThrow(`held by process ${other.pid}`);
      expect(acquireDirLockSync(lockPath, 100)).toBeUndefined();
    } finally {
      other.kill();
    }
  });

  it('is taken over from a holder that is gone, or whose pid now belongs to another process', async () => {
    const lockPath = path.join(dir, 'b.lock');
    fs.writeFileSync(lockPath, '999999999 1'); // no such pid
    const first = await acquireDirLock(lockPath, { timeoutMs: 1_000 });
    expect(fs.readFileSync(lockPath, 'utf8')).toBe(`${process.pid} ${selfIdentity().start}`);
    first.release();
    expect(fs.existsSync(lockPath)).toBe(false);

    // Same pid as a live process, another start time: a reused pid, so the holder is gone.
    fs.writeFileSync(lockPath, `${process.pid} not-${selfIdentity().start}`);
    const second = await acquireDirLock(lockPath, { timeoutMs: 1_000 });
    second.release();
  });

  it('serialises two holders in one process: the second waits for the first', async () => {
    const lockPath = path.join(dir, 'c.lock');
    const order: string[] = [];
    const first = await acquireDirLock(lockPath);
    const second = acquireDirLock(lockPath).then((l) => {
      order.push('second');
      return l;
    });
    await new Promise((r) => setImmediate(r));
    order.push('first released');
    first.release();
    (await second).release();
    expect(order).toEqual(['first released', 'second']);
  });
});

describe('leases', () => {
  it('count live attached processes only, and remove the files of dead ones', async () => {
    const dataDir = fs.mkdtempSync(path.join(dir, 'data-'));
    const mine = addLease(dataDir);
    const other = await otherProcess();
    fs.writeFileSync(path.join(dataDir, 'attached', `${other.pid}.live`), `${other.pid} ${other.start}`);
    fs.writeFileSync(path.join(dataDir, 'attached', '999999999.dead'), '999999999 1');
    fs.writeFileSync(path.join(dataDir, 'attached', `${process.pid}.reused`), `${process.pid} not-${selfIdentity().start}`);
    try {
      expect(liveLeases(dataDir, mine).map((p) => p.pid)).toEqual([other.pid]);
      expect(fs.readdirSync(path.join(dataDir, 'attached')).sort()).toEqual([path.basename(mine), `${other.pid}.live`].sort());
      other.kill();
      await other.exited;
      expect(liveLeases(dataDir, mine)).toEqual([]);
      expect(liveLeases(dataDir).map((p) => p.pid)).toEqual([process.pid]);
    } finally {
      other.kill();
    }
  });
});
