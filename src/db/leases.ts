import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { formatIdentity, isRunning, parseIdentity, selfIdentity, type ProcessIdentity } from './process-identity';

/**
 * Who uses the embedded PostgreSQL of a data directory: one file per attached
 * Roster process (per attachment) in `<dataDir>/attached/`, holding its pid
 * and start time. The last one to leave stops the server; files of processes
 * that are gone (killed, crashed) do not count and are removed when seen.
 * Read and changed only under the data directory's lock.
 */
export function leaseDir(dataDir: string): string {
  return path.join(dataDir, 'attached');
}

/** Records this process as attached; returns the lease file. */
export function addLease(dataDir: string): string {
  const dir = leaseDir(dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${process.pid}.${randomBytes(4).toString('hex')}`);
  fs.writeFileSync(file, formatIdentity(selfIdentity()));
  return file;
}

export function removeLease(file: string): void {
  fs.rmSync(file, { force: true });
}

/** The live attached processes (removing the files of dead ones), leaving out `except`. */
export function liveLeases(dataDir: string, except?: string): ProcessIdentity[] {
  const dir = leaseDir(dataDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const live: ProcessIdentity[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    if (file === except) continue;
    let id: ProcessIdentity | undefined;
    try {
      id = parseIdentity(fs.readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (id && isRunning(id)) live.push(id);
    else fs.rmSync(file, { force: true });
  }
  return live;
}
