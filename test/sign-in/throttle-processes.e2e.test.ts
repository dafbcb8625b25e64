import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { createUser, setPassword } from '../../src/commands/users';
import { hashPassword } from '../../src/passwords';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * Two `roster serve` processes on one database share the sign-in and token
 * throttles, and a restart forgets nothing: failures spread over both servers
 * add up to the limit, and a server started afterwards still refuses.
 */

const ADMIN = { id: 'throttle_e2e_admin', secret: 'throttle-e2e-secret-0123456789' };
const MAX = 4;

interface Served {
  readonly url: string;
  readonly child: ChildProcess;
}

let db: TestDatabase;
let dataDir: string;
const running = new Set<ChildProcess>();

/** Starts `roster serve` on a free port and resolves once it listens (its log says so). */
function serve(): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ROSTER_DATA_DIR: dataDir,
      ROSTER_ADMIN_CLIENT_ID: ADMIN.id,
      ROSTER_ADMIN_CLIENT_SECRET: ADMIN.secret,
      ROSTER_BCRYPT_COST: '4',
      ROSTER_SIGNIN_MAX_FAILURES: String(MAX),
      ROSTER_SIGNIN_WINDOW_SECONDS: '600',
      ROSTER_TOKEN_MAX_FAILURES: String(MAX),
      ROSTER_TOKEN_WINDOW_SECONDS: '600',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /"msg":"roster listening","url":"http:\/\/localhost:(\d+)"/.exec(log);
      if (m) resolve({ url: `http://127.0.0.1:${m[1]}`, child });
    });
    child.once('exit', (code) => reject(new Error(`roster serve exited early (${code}):\n${log}`)));
  });
}

async function stop(s: Served): Promise<void> {
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
  running.delete(s.child);
}

const signIn = (s: Served, token: string, password: string) =>
  fetch(`${s.url}/api/v1/sign_in/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ identity: 'multi@example.com', password, ip: '198.51.100.77' }),
  });

const tokenRequest = (s: Served, secret: string) =>
  fetch(`${s.url}/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: ADMIN.id, client_secret: secret, scope: 'create:sign_ins' }),
  });

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-throttle-'));
});

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await db?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('throttles shared by every roster serve process, kept across a restart', () => {
  it('sign-in and token failures spread over two servers add up to one limit, and a restarted server still refuses', async () => {
    const [a, b] = await Promise.all([serve(), serve()]);
    const granted = await tokenRequest(a, ADMIN.secret);
    expect(granted.status).toBe(200);
    const token = ((await granted.json()) as { access_token: string }).access_token;

    const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });
    const { userId } = await createUser(db.store, admin, { identities: [{ type: 'email', identity: 'multi@example.com' }] });
    await setPassword(db.store, admin, userId, hashPassword('right-secret-1', 4));

    // MAX wrong passwords, alternating servers: each server alone has seen only half.
    for (let i = 0; i < MAX; i++) expect((await signIn(i % 2 ? b : a, token, `wrong-${i}`)).status).toBe(401);
    for (const s of [a, b]) {
      const limited = await signIn(s, token, 'right-secret-1');
      expect(limited.status).toBe(429);
      expect(((await limited.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('TOO_MANY_ATTEMPTS');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(500);
    }

    // The same for client secrets at the token endpoint.
    for (let i = 0; i < MAX; i++) expect((await tokenRequest(i % 2 ? b : a, `not-the-secret-${i}`)).status).toBe(401);
    for (const s of [a, b]) {
      const limited = await tokenRequest(s, ADMIN.secret);
      expect(limited.status).toBe(429);
      expect(await limited.json()).toMatchObject({ error: 'too_many_attempts', errors: [{ code: 'TOO_MANY_ATTEMPTS' }] });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(500);
    }

    // Restart: both servers stop, a new one starts on the same database.
    await Promise.all([stop(a), stop(b)]);
    const c = await serve();
    expect((await signIn(c, token, 'right-secret-1')).status).toBe(429);
    expect((await tokenRequest(c, ADMIN.secret)).status).toBe(429);
    await stop(c);
  });
});
