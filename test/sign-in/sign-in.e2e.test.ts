import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { ensureDefaults } from '../../src/commands/organizations';
import { createSignInLimiter } from '../../src/commands/sign-in';
import { createUser, setPassword, suspendUser } from '../../src/commands/users';
import { streams } from '../../src/domain/streams';
import { createApp } from '../../src/http/app';
import { createAuth } from '../../src/http/auth';
import { healthRoutes } from '../../src/http/routes/health';
import { signInRoutes } from '../../src/http/routes/sign-in';
import { createLogger } from '../../src/logger';
import { createPasswordVerifier, type PasswordVerifier } from '../../src/passwords';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testKeyCipher } from '../support/key-cipher';

// The signing keys' secret key, shared by every auth on this test's database.
const keyCipher = testKeyCipher();

/**
 * POST /api/v1/sign_in/password over HTTP, with real bearer-token auth and the
 * real worker pool, mounted the way server.ts mounts route modules.
 */

const COST = 10;
const ADMIN = { id: 'sign_in_test_admin', secret: 'sign-in-test-secret-0123456789' };
const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });

let db: TestDatabase;
let passwords: PasswordVerifier;
let server: Server;
let url: string;
let token: string;
let now = Date.parse('2025-03-03T09:00:00Z');
let alice: string;

async function post(body: unknown, bearer = token) {
  const res = await fetch(`${url}/api/v1/sign_in/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureDefaults(db.store, admin);
  passwords = createPasswordVerifier({ threads: 2, bcryptCost: COST });
  const logger = createLogger('silent');
  const auth = createAuth({ knex: db.knex, logger, adminClient: ADMIN, announce: () => {}, keyCipher });
  await auth.ready;
  const app = createApp({
    logger,
    routes: [
      healthRoutes({ db: { pool: db.pool }, projector: { status: async () => [] } }),
      (router: Router) => void router.use('/api', auth.authenticate),
      signInRoutes({ store: db.store, passwords, bcryptCost: COST, limiter: createSignInLimiter({ maxFailures: 5, windowSeconds: 60, now: () => now }) }),
    ],
  });
  server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  token = (await auth.issueToken({ clientId: ADMIN.id, clientSecret: ADMIN.secret, scope: 'create:sign_ins', issuer: url })).access_token;

  ({ userId: alice } = await createUser(db.store, admin, { identities: [{ type: 'email', identity: 'alice@example.com' }] }));
  await setPassword(db.store, admin, alice, await passwords.hash('alice-secret-1'));
});

afterAll(async () => {
  if (server) {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
  await passwords?.close();
  await db?.close();
});

describe('POST /api/v1/sign_in/password', () => {
  it('200 {user_id, next_step: null} on success, with ip, user agent, application and org_code on the event', async () => {
    const res = await post({ identity: 'Alice@Example.com', password: 'alice-secret-1', ip: '198.51.100.1', user_agent: 'Mozilla/5.0', application: 'shop', org_code: 'org_abc123' });
    expect(res).toMatchObject({ status: 200, body: { user_id: alice, next_step: null } });
    const last = (await db.store.readStream(streams.user(alice))).at(-1)!;
    expect(last).toMatchObject({
      type: 'UserSignInSucceeded',
      data: { identity: 'alice@example.com', identityType: 'email', ip: '198.51.100.1', userAgent: 'Mozilla/5.0', application: 'shop', orgCode: 'org_abc123', method: 'password' },
      metadata: { ip: '198.51.100.1', source: 'self', actor: { type: 'user', id: alice } },
    });
  });

  it('401 INVALID_CREDENTIALS with one identical body for a wrong password, an unknown identity and a user without a password', async () => {
    await createUser(db.store, admin, { identities: [{ type: 'email', identity: 'nopass@example.com' }] });
    const wrong = await post({ identity: 'alice@example.com', password: 'nope', ip: '198.51.100.2' });
    const unknown = await post({ identity: 'ghost@example.com', password: 'nope', ip: '198.51.100.2' });
    const none = await post({ identity: 'nopass@example.com', password: 'nope', ip: '198.51.100.2' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ errors: [{ code: 'INVALID_CREDENTIALS', message: 'The identity or password is incorrect' }] });
    expect(unknown).toMatchObject({ status: 401, body: wrong.body });
    expect(none).toMatchObject({ status: 401, body: wrong.body });
  });

  it('403 USER_SUSPENDED in the Kinde error shape', async () => {
    const { userId } = await createUser(db.store, admin, { identities: [{ type: 'email', identity: 'sus@example.com' }] });
    await setPassword(db.store, admin, userId, await passwords.hash('sus-secret-1'));
    await suspendUser(db.store, admin, userId);
    const res = await post({ identity: 'sus@example.com', password: 'sus-secret-1' });
    expect(res).toMatchObject({ status: 403, body: { errors: [{ code: 'USER_SUSPENDED' }] } });
  });

  it('429 TOO_MANY_ATTEMPTS with Retry-After once an IP has failed 5 times in the window, and sign-in works again after it', async () => {
    for (let i = 0; i < 5; i++) expect((await post({ identity: `spray${i}@example.com`, password: 'x', ip: '192.0.2.50' })).status).toBe(401);
    const limited = await post({ identity: 'alice@example.com', password: 'alice-secret-1', ip: '192.0.2.50' });
    expect(limited).toMatchObject({ status: 429, body: { errors: [{ code: 'TOO_MANY_ATTEMPTS' }] } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    now += 61_000;
    expect((await post({ identity: 'alice@example.com', password: 'alice-secret-1', ip: '192.0.2.50' })).status).toBe(200);
  });

  it('400 for a body with unknown keys or a bad org_code; 403 without the create:sign_ins scope', async () => {
    expect((await post({ identity: 'alice@example.com', password: 'alice-secret-1', remember: true })).body).toMatchObject({ errors: [{ code: 'INVALID_REQUEST' }] });
    expect((await post({ identity: 'alice@example.com', password: 'alice-secret-1', org_code: 'acme' })).status).toBe(400);
    const auth = createAuth({ knex: db.knex, logger: createLogger('silent'), adminClient: ADMIN, announce: () => {}, keyCipher });
    const other = (await auth.issueToken({ clientId: ADMIN.id, clientSecret: ADMIN.secret, scope: 'read:users', issuer: url })).access_token;
    expect((await post({ identity: 'alice@example.com', password: 'alice-secret-1' }, other)).body).toMatchObject({ errors: [{ code: 'MISSING_SCOPE' }] });
  });

  it('the event loop stays responsive: GET /health answers while bcrypt sign-ins are running', async () => {
    // Twelve users (concurrent attempts on one identity count against its limit while in flight).
    const hash = await passwords.hash('busy-secret-1');
    for (let i = 0; i < 12; i++) {
      const { userId } = await createUser(db.store, admin, { identities: [{ type: 'email', identity: `busy${i}@example.com` }] });
      await setPassword(db.store, admin, userId, hash);
    }
    const inFlight = Array.from({ length: 12 }, (_, i) => post({ identity: `busy${i}@example.com`, password: 'busy-secret-1', ip: `10.0.0.${i}` }));
    let signInsDone = false;
    const all = Promise.all(inFlight).then((r) => {
      signInsDone = true;
      return r;
    });
    const started = performance.now();
    const health = await fetch(`${url}/health`);
    const healthMs = performance.now() - started;
    const healthAnsweredDuringSignIns = !signInsDone;
    const results = await all;
    const signInsMs = performance.now() - started;
    expect(health.status).toBe(200);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    // 12 bcrypt verifications at cost 10 on 2 worker threads take far longer than one health check.
    expect(healthAnsweredDuringSignIns).toBe(true);
    expect(healthMs).toBeLessThan(signInsMs / 2);
  });
});
