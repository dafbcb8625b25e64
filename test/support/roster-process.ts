import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Real `roster` processes for lifecycle tests: `node --import tsx src/cli/main.ts …`
 * in its own process group (signals go to the group, as a supervisor or a
 * terminal sends them), on the embedded PostgreSQL of `dataDir`.
 */
export const ADMIN = { id: 'roster_lifecycle_admin', secret: 'lifecycle-admin-secret-0123456789' } as const;

export interface RosterProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** stderr lines so far (JSON log lines and anything else). */
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` to the process group. */
  signal(signal: NodeJS.Signals): void;
}

const running = new Set<Promise<number | null>>();
const stoppers = new Map<Promise<number | null>, () => void>();

/**
 * For afterAll: processes a failed or timed-out test left running get SIGTERM
 * (and SIGCONT, in case they were held), so they stop their database before
 * their data directory is removed.
 */
export async function stopLeftoverRosters(): Promise<void> {
  for (const exited of running) {
    try {
      stoppers.get(exited)!();
    } catch {
      // gone meanwhile
    }
  }
  await Promise.all(running);
}

export function startRoster(args: string[], dataDir: string, env: Record<string, string> = {}): RosterProcess {
  const { DATABASE_URL: _external, EVENTSTORE_CONNECTION_STRING: _esdb, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: {
      ...inherited,
      ROSTER_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ROSTER_ADMIN_CLIENT_ID: ADMIN.id,
      ROSTER_ADMIN_CLIENT_SECRET: ADMIN.secret,
      ...env,
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters) w();
  });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  running.add(exited);
  void exited.then(() => running.delete(exited));
  stoppers.set(exited, () => {
    process.kill(-child.pid!, 'SIGCONT');
    process.kill(-child.pid!, 'SIGTERM');
  });
  return {
    child,
    pid: child.pid!,
    lines,
    exited,
    waitForLine(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find((l) => pattern.test(l));
          if (!hit) return;
          done();
          resolve(hit);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; got:\n${lines.join('\n')}`));
        }, timeoutMs);
        const gone = () => {
          done();
          reject(new Error(`process exited before a line matching ${pattern}; got:\n${lines.join('\n')}`));
        };
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', gone);
        };
        waiters.add(check);
        child.once('exit', gone);
        check();
      });
    },
    signal(signal) {
      process.kill(-child.pid!, signal);
    },
  };
}

/** `roster serve`, once it listens: its base URL. */
export async function startServe(dataDir: string, env: Record<string, string> = {}): Promise<RosterProcess & { url: string }> {
  const p = startRoster(['serve'], dataDir, env);
  const line = await p.waitForLine(/"msg":"roster listening"/, 120_000);
  const port = /localhost:(\d+)/.exec(line)![1];
  return Object.assign(p, { url: `http://127.0.0.1:${port}` });
}

/**
 * pids of the PostgreSQL server of this data directory's cluster (its command
 * line names the cluster) and of its children (checkpointer, workers: their
 * titles are rewritten, so they are found by parent). Linux (/proc) only.
 */
export function postgresProcessesOf(dataDir: string): number[] {
  const cluster = fs.realpathSync(path.join(dataDir, 'pg'));
  const servers = new Set<number>();
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const d = argv.indexOf('-D');
      if (d >= 0 && argv[d + 1] === cluster) servers.add(Number(entry));
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      continue; // exited meanwhile
    }
  }
  return [...parents].filter(([pid, ppid]) => servers.has(pid) || servers.has(ppid)).map(([pid]) => pid);
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A bearer token of the configured admin client. */
export async function adminToken(url: string): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: ADMIN.id, client_secret: ADMIN.secret, audience: `${url}/api` });
  const res = await fetch(`${url}/oauth2/token`, { method: 'POST', body });
  const json = (await res.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`token request failed: ${res.status} ${JSON.stringify(json)}`);
  return json.access_token;
}
