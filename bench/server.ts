import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR } from './data';

/*
 * The real service, `roster serve` (src/cli/main.ts), in a child process against
 * the benchmark's database, with an admin API client from configuration. The
 * load generators run in other processes (load-child.ts).
 */

export interface RunningServer {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly pid: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function startServer(databaseUrl: string, env: Record<string, string> = {}, nodeArgs: readonly string[] = []): Promise<RunningServer> {
  const port = await freePort();
  const clientId = 'bench-admin';
  const clientSecret = randomBytes(24).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-bench-serve-'));
  const main = path.join(BENCH_DIR, '..', 'src', 'cli', 'main.ts');
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', main, 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      ROSTER_DATA_DIR: dataDir,
      ROSTER_ADMIN_CLIENT_ID: clientId,
      ROSTER_ADMIN_CLIENT_SECRET: clientSecret,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  const baseUrl = `http://127.0.0.1:${port}`;

  // Ready when /health answers 200 and a token can be had (the admin client exists).
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`roster serve exited with ${exited}: ${stderr.slice(-1500)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`roster serve did not become ready within 120 s: ${stderr.slice(-1500)}`);
    }
    try {
      const health = await fetch(`${baseUrl}/health`);
      if (health.ok) {
        const token = await fetch(`${baseUrl}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
        });
        if (token.ok) break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    baseUrl,
    clientId,
    clientSecret,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          fs.rmSync(dataDir, { recursive: true, force: true });
          resolve();
        };
        if (exited !== undefined) return done();
        const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', () => {
          clearTimeout(force);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}
