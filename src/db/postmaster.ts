import fs from 'node:fs';
import path from 'node:path';
import { pidExists } from './process-identity';

/**
 * The running server of a cluster, as `postmaster.pid` describes it: pid
 * (line 1), port (line 4) and status (line 8: starting, ready, stopping).
 */
export interface Postmaster {
  readonly pid: number;
  readonly port: number;
  readonly status: 'starting' | 'ready' | 'stopping' | 'other';
}

export function readPostmaster(pgDir: string): Postmaster | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!pid || !isPostmasterOf(pid, pgDir)) return undefined; // a file left by a server that died
  const word = (lines[7] ?? '').trim();
  const status = word === '' || word === 'starting' ? 'starting' : word === 'ready' || word === 'stopping' ? word : 'other';
  return { pid, port: Number(lines[3]), status };
}

/**
 * Is `pid` a live PostgreSQL server for `pgDir`? After a crash, postmaster.pid
 * may name a pid that now belongs to another program: never signal that one.
 * Where /proc does not exist we can only check that the pid is alive.
 */
function isPostmasterOf(pid: number, pgDir: string): boolean {
  if (!pidExists(pid)) return false;
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return !fs.existsSync('/proc/self/cmdline');
  }
  // Empty for a zombie: it has exited, only its parent has not collected it yet.
  return cmdline.split('\0').includes(pgDir);
}

/** Sends `signal` to the server; false when it is not running. */
export function signalPostmaster(pgDir: string, signal: NodeJS.Signals): Postmaster | undefined {
  const pm = readPostmaster(pgDir);
  if (!pm) return undefined;
  try {
    process.kill(pm.pid, signal);
  } catch {
    return undefined;
  }
  return pm;
}
