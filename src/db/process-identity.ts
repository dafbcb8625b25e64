import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * A process named so that a reused pid does not pass for it: pid plus the
 * time the process started. Lease and lock files in the data directory carry
 * one; a file whose process is gone (or whose pid now belongs to another
 * process) is stale.
 */
export interface ProcessIdentity {
  readonly pid: number;
  /** Opaque; '' when the platform does not tell (then the pid alone decides). */
  readonly start: string;
}

/** Start time of `pid`, or undefined when no such process runs (a zombie, killed but not yet collected, does not run). */
export function processStartTime(pid: number): string | undefined {
  try {
    // Linux: field 3 is the state, field 22 the start time (clock ticks since boot); both after the parenthesised command name.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && fs.existsSync('/proc/self/stat')) return undefined;
  }
  try {
    // Elsewhere (macOS): ps prints the start time; nothing when the process does not exist.
    return (
      execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() || undefined
    );
  } catch {
    return undefined;
  }
}

let self: ProcessIdentity | undefined;
export function selfIdentity(): ProcessIdentity {
  return (self ??= { pid: process.pid, start: processStartTime(process.pid) ?? '' });
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isRunning(id: ProcessIdentity): boolean {
  if (!pidExists(id.pid)) return false;
  if (!id.start) return true;
  const start = processStartTime(id.pid);
  return start === undefined ? false : start === id.start;
}

export function formatIdentity(id: ProcessIdentity): string {
  return `${id.pid} ${id.start}`;
}

export function parseIdentity(text: string): ProcessIdentity | undefined {
  const m = /^(\d+) ?(.*)$/.exec(text.trim());
  return m ? { pid: Number(m[1]), start: m[2]!.trim() } : undefined;
}

export { pidExists };
