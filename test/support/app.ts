import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { openRuntime, type Runtime } from '../../src/runtime';
import { createServerApp, type ServerApp } from '../../src/server';
import { createTestDatabase, type TestDatabase } from './db';

/**
 * An in-process Roster on a fresh test database: runtime (real PostgreSQL event
 * store, projector started), the HTTP app listening on an ephemeral port, the
 * admin client from configuration, and a helper for tokens.
 */
export interface TestApp {
  readonly url: string;
  readonly runtime: Runtime;
  readonly app: ServerApp;
  readonly db: TestDatabase;
  readonly admin: { readonly id: string; readonly secret: string };
  /** An access token for a client (default: the admin client), optionally limited to `scope`. */
  token(options?: { clientId?: string; clientSecret?: string; scope?: string }): Promise<string>;
  close(): Promise<void>;
}

export const TEST_ADMIN = { id: 'roster_test_admin', secret: 'test-admin-secret-0123456789abcdef' } as const;

export async function startTestApp(options: { env?: Record<string, string>; webDist?: string } = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  // Spooled imports and other files go to a private directory, never the working tree.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-app-'));
  const config: Config = loadConfig({
    DATABASE_URL: db.url,
    ROSTER_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ROSTER_ADMIN_CLIENT_ID: TEST_ADMIN.id,
    ROSTER_ADMIN_CLIENT_SECRET: TEST_ADMIN.secret,
    ...options.env,
  });
  const logger = createLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent');
  // The real composition root, on the test database.
  const runtime = await openRuntime(config, logger);
  await runtime.projector.start();
  const app = createServerApp(runtime, { announce: () => {}, ...(options.webDist ? { webDist: options.webDist } : {}) });
  await app.ready;
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    runtime,
    app,
    db,
    admin: TEST_ADMIN,
    async token(o = {}) {
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: o.clientId ?? TEST_ADMIN.id,
        client_secret: o.clientSecret ?? TEST_ADMIN.secret,
        audience: `${url}/api`,
        ...(o.scope !== undefined ? { scope: o.scope } : {}),
      });
      const res = await fetch(`${url}/oauth2/token`, { method: 'POST', body });
      const json = (await res.json()) as { access_token?: string };
      if (!res.ok || !json.access_token) throw new Error(`token request failed: ${res.status} ${JSON.stringify(json)}`);
      return json.access_token;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await runtime.close();
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
