import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DataSet } from './data';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded';
import { createLogger, type Logger } from '../src/logger';

/** A measurement that cannot run yet (a feature not written): the harness prints the reason and goes on. */
export class NotAvailable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NotAvailable';
  }
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Results as nested objects: set('import.users_per_s', 1) -> { import: { users_per_s: 1 } }. */
export class Results {
  readonly data: Record<string, Json> = {};
  set(key: string, value: Json): void {
    const parts = key.split('.');
    let obj: Record<string, Json> = this.data;
    for (const p of parts.slice(0, -1)) {
      const next = obj[p];
      if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) obj[p] = {};
      obj = obj[p] as Record<string, Json>;
    }
    obj[parts.at(-1)!] = value;
  }
  get(key: string): Json | undefined {
    let cur: Json | undefined = this.data;
    for (const p of key.split('.')) {
      if (cur === null || cur === undefined || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
      cur = cur[p];
    }
    return cur;
  }
  num(key: string): number | undefined {
    const v = this.get(key);
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }
}

export interface Options {
  readonly users: number;
  readonly only: readonly string[];
  readonly quick: boolean;
  /** Repetitions of the repeatable measurements (medians are reported). */
  readonly repeats: number;
  readonly keep: boolean;
  /** CPU-profile the first import run (bench/data/profiles) and summarise where its time goes. */
  readonly profile: boolean;
  /** `--formats`: the formats bench's subset of source formats (all when empty or absent). */
  readonly formats?: readonly string[];
}

/** A fresh embedded PostgreSQL for the run, one database per purpose. */
export class BenchPostgres {
  readonly #databases = new Map<string, string>();
  private constructor(
    readonly server: EmbeddedPostgres,
    readonly dir: string,
    readonly baseUrl: string,
  ) {}

  static async start(logger: Logger): Promise<BenchPostgres> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-bench-'));
    // The server runs as `postgres` when we are root: it needs to enter the directory.
    fs.chmodSync(dir, 0o755);
    const server = await startEmbeddedPostgres({ dataDir: dir, logger });
    return new BenchPostgres(server, dir, server.url);
  }

  /** URL of a fresh database `name` in the run's cluster (created on first use). */
  async database(name: string): Promise<string> {
    const known = this.#databases.get(name);
    if (known) return known;
    const admin = new pg.Client({ connectionString: this.baseUrl.replace(/\/[^/]*$/, '/postgres') });
    await admin.connect();
    try {
      await admin.query(`drop database if exists ${admin.escapeIdentifier(name)}`);
      await admin.query(`create database ${admin.escapeIdentifier(name)}`);
    } finally {
      await admin.end();
    }
    const url = this.baseUrl.replace(/\/[^/]*$/, `/${name}`);
    this.#databases.set(name, url);
    return url;
  }

  /**
   * CPU seconds PostgreSQL has used so far: the postmaster, its reaped children
   * (cutime/cstime: backends of closed connections) and its live children.
   * Differences around a measurement say how much of it was database work.
   */
  cpuSeconds(): number {
    const pgDir = path.join(this.dir, 'pg');
    const postmaster = Number(fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const stat = (pid: number): string[] | undefined => {
      try {
        const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return text.slice(text.lastIndexOf(')') + 2).split(' ');
      } catch {
        return undefined;
      }
    };
    // Fields after "(comm) ": state=0 ppid=1 … utime=11 stime=12 cutime=13 cstime=14.
    const main = stat(postmaster);
    if (!main) return NaN;
    let ticks = Number(main[11]) + Number(main[12]) + Number(main[13]) + Number(main[14]);
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const f = stat(Number(entry));
      if (f && Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
    }
    return ticks / 100; // USER_HZ is 100 on Linux
  }

  async stop(keep: boolean): Promise<void> {
    await this.server.stop();
    if (!keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Context {
  readonly options: Options;
  readonly data: DataSet;
  readonly results: Results;
  readonly logger: Logger;
  /** Progress lines on stderr (stdout is the table). */
  log(line: string): void;
  postgres(): Promise<BenchPostgres>;
  /** What one measurement leaves for the next (e.g. the imported database's URL). */
  readonly state: { rosterUrl?: string; importedEvents?: number; importWindow?: { from: string; to: string } };
}

export function quietLogger(): Logger {
  return createLogger(process.env.BENCH_LOG_LEVEL === 'debug' ? 'debug' : 'warn');
}

// ---------------------------------------------------------------------------
// Small statistics and timing helpers

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[k]!;
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t) / 1000 };
}

/** Runs `node --import tsx <script>` with env; resolves with the last JSON line it printed on stdout. */
export function runChild<T>(script: string, env: Record<string, string>, options: { args?: string[]; nodeArgs?: string[]; onLine?: (l: string) => void; timeoutSeconds?: number } = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', script, ...(options.args ?? [])], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // A hung child must not hang the run: it is killed and the measurement reported as failed.
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        child.kill('SIGKILL');
      },
      (options.timeoutSeconds ?? 1800) * 1000,
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (options.onLine) {
        let nl;
        while ((nl = out.indexOf('\n')) >= 0 && !out.slice(0, nl).startsWith('{"result"')) {
          options.onLine(out.slice(0, nl));
          out = out.slice(nl + 1);
        }
      }
    });
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`${path.basename(script)} did not finish within ${options.timeoutSeconds ?? 1800} s and was killed`));
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{"result"'));
      if (code === 0 && line) return resolve((JSON.parse(line) as { result: T }).result);
      const na = out.split('\n').find((l) => l.startsWith('{"not_available"'));
      if (na) return reject(new NotAvailable((JSON.parse(na) as { not_available: string }).not_available));
      reject(new Error(`${path.basename(script)} exited with ${code}: ${err.slice(-1500)}`));
    });
  });
}

/** For child scripts: print the result line (or a not-available line) and exit. */
export function childResult(result: unknown): void {
  process.stdout.write(JSON.stringify({ result }) + '\n');
}
export function childNotAvailable(reason: string): never {
  process.stdout.write(JSON.stringify({ not_available: reason }) + '\n');
  process.exit(3);
}

/** Peak resident memory of this process so far, from the kernel (MiB). */
export function vmHwmMiB(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples process.memoryUsage().rss every `everyMs`; stop() gives the peak in MiB. */
export function rssSampler(everyMs = 50): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return peak / (1 << 20);
    },
  };
}

/**
 * For child scripts: close the runtime, but never hang on it (a benchmark must
 * end); a close that takes over `seconds` is reported on stderr and the process exits.
 */
export async function closeWithin(close: () => Promise<void>, seconds = 15): Promise<void> {
  const hung = new Promise<'hung'>((r) => setTimeout(() => r('hung'), seconds * 1000).unref());
  const outcome = await Promise.race([close().then(() => 'closed' as const), hung]);
  if (outcome === 'hung') {
    process.stderr.write(`[bench] runtime close did not finish within ${seconds} s; exiting anyway\n`);
    process.exit(process.exitCode ?? 0);
  }
}
