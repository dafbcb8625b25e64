import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import { createContext, type CommandContext } from '../../src/commands/context';
import { toEventData } from '../../src/commands/handle';
import type { DomainEvent } from '../../src/domain/shared';
import type { Source } from '../../src/eventstore/types';
import { createApp } from '../../src/http/app';
import { createAuth, type Principal } from '../../src/http/auth';
import { oauthRoutes } from '../../src/http/routes/oauth';
import { webhookRoutes } from '../../src/http/routes/webhooks';
import { createLogger } from '../../src/logger';
import { createProjector, type Projector } from '../../src/projections/projector';
import { startWebhookDispatcher, type WebhookDispatcher, type WebhookDispatcherOptions } from '../../src/webhooks/dispatcher';
import { createWebhookOutboxProjection } from '../../src/webhooks/outbox-projection';
import { createKeyRing } from '../../src/http/auth/keys';
import type { KeyCipher } from '../../src/secrets/key-cipher';
import type { Resolver } from '../../src/net/endpoint-policy';
import { createWebhookSigner, type WebhookSigner } from '../../src/webhooks/signer';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testKeyCipher } from '../support/key-cipher';

/**
 * An in-process Roster for webhook tests: a fresh database, the projector with
 * the outbox projection, the real OAuth2 + JWKS routes (Roster's signing key),
 * the webhook routes, all listening on an ephemeral port; and local HTTP
 * receivers whose answers the test controls.
 */
export const ADMIN = { id: 'webhooks_test_admin', secret: 'webhooks-test-secret-0123456789abcdef' } as const;
const logger = createLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent');

export interface Harness {
  readonly db: TestDatabase;
  readonly baseUrl: string;
  /** The secret key of this database's signing keys. */
  readonly keyCipher: KeyCipher;
  projector: Projector;
  dispatcher?: WebhookDispatcher;
  /** Signs with the database's API signing key, as serve does. */
  readonly signer: WebhookSigner;
  startDispatcher(options?: WebhookDispatcherOptions, allowedHosts?: readonly string[]): WebhookDispatcher;
  restartProjector(): Promise<void>;
  // The caller names the JSON body shape it expects.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Appends domain events (validated against the catalogue) to a stream, stamped with `source`. */
  append(streamId: string, events: DomainEvent[], source?: Source): Promise<string>;
  ctx(source?: Source): CommandContext;
  close(): Promise<void>;
}

export const DISPATCH_FAST: WebhookDispatcherOptions = { pollIntervalMs: 25, backoffBaseMs: 20, backoffMaxMs: 200, jitter: 0.2, requestTimeoutMs: 2000, leaseMs: 5000 };

/** Receivers listen on 127.0.0.1, which webhooks may only target when the allow-list says so. */
export const LOOPBACK_ALLOWED: readonly string[] = ['127.0.0.1'];

export async function startHarness(options: { allowedHosts?: readonly string[]; resolve?: Resolver } = {}): Promise<Harness> {
  const allowed = options.allowedHosts ?? LOOPBACK_ALLOWED;
  const db = await createTestDatabase();
  const projection = createWebhookOutboxProjection(db.store);
  const newProjector = () => createProjector({ store: db.store, knex: db.knex, pool: db.pool, projections: [projection], logger, options: { batchSize: 1000, lockRetryMs: 50 } });
  const keyCipher = testKeyCipher();
  const auth = createAuth({ knex: db.knex, logger, adminClient: ADMIN, announce: () => {}, keyCipher });
  await auth.ready;
  const keyRing = createKeyRing(db.knex, keyCipher);
  const signer = createWebhookSigner(() => keyRing.signing());
  const h: Harness = {
    signer,
    db,
    keyCipher,
    baseUrl: '',
    projector: newProjector(),
    startDispatcher(o = {}, allowedHosts = allowed) {
      h.dispatcher = startWebhookDispatcher({
        knex: db.knex,
        signer,
        logger,
        config: { webhooks: { allowedHosts, retryHours: 72 } },
        options: { ...DISPATCH_FAST, ...(options.resolve ? { resolve: options.resolve } : {}), ...o },
      });
      return h.dispatcher;
    },
    async restartProjector() {
      await h.projector.stop();
      h.projector = newProjector();
      await h.projector.start();
    },
    async api(method, path, body) {
      const token = await tokenFor();
      const res = await fetch(`${h.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as never };
    },
    ctx: (source: Source = 'api') => createContext({ actor: source === 'import' ? { type: 'import' } : { type: 'api_client', id: ADMIN.id }, source }),
    async append(streamId, events, source = 'api') {
      const existing = await db.store.readStream(streamId);
      const data = toEventData(streamId, existing.length, events, h.ctx(source));
      const r = await db.store.appendToStream(streamId, data, existing.length === 0 ? 'no_stream' : existing.length - 1);
      return r.position;
    },
    async close() {
      await h.dispatcher?.stop();
      await h.projector.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await db.close();
    },
  };
  await h.projector.start();

  // The admin client has every scope Roster knows; read:events and read:event_types are Kinde's
  // scopes for two of these endpoints and are granted here until src/http/scopes.ts lists them.
  const grantEventScopes = (router: Router) =>
    void router.use('/api', (_req, res, next) => {
      const p = res.locals.principal as Principal | undefined;
      if (p) res.locals.principal = { ...p, scopes: new Set([...p.scopes, 'read:events', 'read:event_types']) };
      next();
    });
  const app = createApp({
    logger,
    routes: [
      oauthRoutes({ auth }),
      (router: Router) => void router.use('/api', auth.authenticate),
      grantEventScopes,
      webhookRoutes({
        store: db.store,
        knex: db.knex,
        projector: { waitFor: (p, t) => h.projector.waitFor(p, t) },
        logger,
        allowedHosts: allowed,
        resolve: options.resolve,
        dispatcher: { poke: () => h.dispatcher?.poke() },
      }),
    ],
  });
  const server: http.Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  (h as { baseUrl: string }).baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let cached: string | undefined;
  async function tokenFor(): Promise<string> {
    if (cached) return cached;
    const res = await fetch(`${h.baseUrl}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: ADMIN.id, client_secret: ADMIN.secret }),
    });
    const json = (await res.json()) as { access_token: string };
    cached = json.access_token;
    return cached;
  }
  return h;
}

// ---- a local webhook receiver ----------------------------------------------------------

export interface Received {
  readonly body: string;
  readonly contentType: string | undefined;
  readonly status: number;
}

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Decides the status of each request by its arrival index (default 200); may return a promise to hold the request. */
  respond: (body: string, n: number) => number | Promise<number>;
  close(): Promise<void>;
}

export async function startReceiver(respond: Receiver['respond'] = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  let arrived = 0;
  const r: Receiver = {
    url: '',
    received,
    respond,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      Promise.resolve(r.respond(body, arrived++)).then(
        (status) => {
          received.push({ body, contentType: req.headers['content-type'], status });
          if (!res.destroyed) res.writeHead(status).end();
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  (r as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return r;
}

/** Waits for a condition (polling the database or a receiver), failing with `what` after the timeout. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
