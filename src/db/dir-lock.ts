import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { formatIdentity, isRunning, parseIdentity, selfIdentity, type ProcessIdentity } from './process-identity';

/**
 * An exclusive lock between the Roster processes sharing a data directory: a
 * file holding the holder's pid and start time. It is created complete and
 * atomically (written aside, then hard-linked into place, which fails when the
 * lock exists); a lock whose holder is gone is broken, so a process killed
 * while holding it blocks nobody.
 */
export interface DirLock {
  release(): void;
}

type Attempt = { acquired: DirLock } | { holder: ProcessIdentity | undefined };

function attempt(lockPath: string): Attempt {
  const mine = formatIdentity(selfIdentity());
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(aside, mine);
  try {
    fs.linkSync(aside, lockPath);
    return { acquired: { release: () => releaseIfMine(lockPath, mine) } };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.rmSync(aside, { force: true });
  }
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch {
    return { holder: undefined }; // released meanwhile: try again at once
  }
  const holder = parseIdentity(text);
  if (holder && isRunning(holder)) return { holder };
  breakStale(lockPath, text);
  return { holder: undefined };
}

/**
 * Moves a stale lock out of the way. Renaming first, then checking what was
 * moved, keeps two processes that both saw the same stale lock from removing a
 * fresh lock the faster one has just taken (the slower one puts it back).
 */
function breakStale(lockPath: string, staleText: string) {
  const moved = `${lockPath}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(lockPath, moved);
  } catch {
    return;
  }
  try {
    if (fs.readFileSync(moved, 'utf8') !== staleText) fs.linkSync(moved, lockPath);
  } catch {
    // Someone took the lock meanwhile; theirs stands.
  } finally {
    fs.rmSync(moved, { force: true });
  }
}

function releaseIfMine(lockPath: string, mine: string) {
  try {
    if (fs.readFileSync(lockPath, 'utf8') === mine) fs.rmSync(lockPath, { force: true });
  } catch {
    // already gone
  }
}

/** Waits for the lock as long as a live process holds it (up to `timeoutMs`). */
export async function acquireDirLock(lockPath: string, options: { timeoutMs?: number; onWait?: (holder: ProcessIdentity) => void } = {}): Promise<DirLock> {
  const deadline = Date.now() + (options.timeoutMs ?? 5 * 60_000);
  let told = false;
  for (;;) {
    const a = attempt(lockPath);
    if ('acquired' in a) return a.acquired;
    if (!a.holder) continue;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockPath}, held by process ${a.holder.pid}`);
    if (!told && options.onWait) {
      told = true;
      options.onWait(a.holder);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** For the last moments of a process (no event loop): tries for up to `waitMs`, blocking. */
export function acquireDirLockSync(lockPath: string, waitMs: number): DirLock | undefined {
  const deadline = Date.now() + waitMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const a = attempt(lockPath);
    if ('acquired' in a) return a.acquired;
    if (a.holder?.pid === process.pid) return { release: () => fs.rmSync(lockPath, { force: true }) };
    if (Date.now() > deadline) return undefined;
    if (a.holder) Atomics.wait(sleeper, 0, 0, 20);
  }
}
