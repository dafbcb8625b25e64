import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler, notFoundHandler } from '../../src/http/errors';
import { auditRoutes } from '../../src/http/routes/audit';
import { projectionRoutes } from '../../src/http/routes/projections';
import { createLogger } from '../../src/logger';
import { allProjections } from '../../src/all-projections';
import { ev, identity, startHarness, userId, type Harness } from '../projections/harness';

/** The routes in an app of their own; the caller's scopes come from a test header instead of a token. */
describe('audit and projections routes', () => {
  let h: Harness;
  let server: Server;
  let base: string;
  const alice = userId();
  const get = (path: string, scopes = 'read:audit read:users read:projections update:projections', init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { 'x-test-scopes': scopes } });
  beforeAll(async () => {
    h = await startHarness(allProjections);
    const app = express();
    app.use((req, res, next) => {
      res.locals.principal = { clientId: 'test', scopes: new Set(String(req.headers['x-test-scopes'] ?? '').split(' ')) };
      next();
    });
    const router = express.Router();
    const logger = createLogger('silent');
    auditRoutes({ knex: h.db.knex, store: h.db.store })(router);
    projectionRoutes({ projector: h.projector, logger, store: h.db.store })(router);
    app.use(router);
    app.use(notFoundHandler);
    app.use(errorHandler(logger));
    server = app.listen(0);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await h.given(`user-${alice}`, [
      ev('UserCreated', { userId: alice, firstName: '+Alice', identities: [identity(alice, 'email', 'alice@example.com')], organizations: [] }),
      ev('PolicyAccepted', { policy: 'privacy', url: 'https://acme.test/privacy', acceptedAt: '2026-03-05T00:00:00.000Z' }, { actor: { type: 'user', id: alice }, source: 'self', ip: '198.51.100.7' }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await h?.close();
  });

  it("GET /api/v1/audit_log answers the issue's shape, newest first, with filters", async () => {
    const res = await get(`/api/v1/audit_log?user_id=${alice}&page_size=1`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(Object.keys(body).sort()).toEqual(['audit_log', 'next_token']);
    expect(Object.keys(body.audit_log[0]).sort()).toEqual(['actor', 'details', 'email', 'id', 'ip', 'location', 'occurred_on', 'org_codes', 'source', 'type', 'user_agent', 'user_id']);
    expect(body.audit_log[0]).toMatchObject({ type: 'user.policy_accepted', ip: '198.51.100.7', email: 'alice@example.com', actor: { type: 'user', id: alice } });
    const next: any = await (await get(`/api/v1/audit_log?user_id=${alice}&page_size=1&next_token=${body.next_token}`)).json();
    expect(next.audit_log.map((e: { type: string }) => e.type)).toEqual(['user.created']);
    expect(next.next_token).toBeNull();
  });

  it("rejects bad filters and missing scopes in Kinde's error shape", async () => {
    const bad = await get('/api/v1/audit_log?from=yesterday');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).errors[0].code).toBe('INVALID_REQUEST');
    const forbidden = await get('/api/v1/audit_log', 'read:users');
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as any).errors[0].code).toBe('MISSING_SCOPE');
  });

  it('exports NDJSON and CSV', async () => {
    const nd = await get(`/api/v1/audit_log/export?format=ndjson&user_id=${alice}`);
    expect(nd.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = (await nd.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['user.created', 'user.policy_accepted']);
    const csv = await (await get(`/api/v1/audit_log/export?format=csv&user_id=${alice}`)).text();
    expect(csv.split('\r\n')[0]).toMatch(/^id,type,occurred_on/);
    // The first name "+Alice" sits inside the details JSON cell, which starts with "{": not a formula.
    expect(csv).not.toMatch(/,[=+\-@]/);
  });

  it('GET /api/v1/users/{id}/activity and /api/v1/policy_acceptances', async () => {
    const act: any = await (await get(`/api/v1/users/${alice}/activity`)).json();
    expect(act.summary.privacy_accepted_on).toBe('2026-03-05T00:00:00.000Z');
    // "Privacy policy accepted on" (Kinde docs, Manage users > View activity)
    expect(act.activity.map((a: { description: string }) => a.description)).toContain('Privacy policy accepted on 2026-03-05T00:00:00.000Z');
    const pa: any = await (await get('/api/v1/policy_acceptances?policy=privacy&status=accepted')).json();
    expect(pa.users.map((u: { user_id: string }) => u.user_id)).toEqual([alice]);
    const missing: any = await (await get('/api/v1/policy_acceptances?policy=terms&status=missing')).json();
    expect(missing.users.map((u: { user_id: string }) => u.user_id)).toEqual([alice]);
  });

  it('GET /api/v1/projections and POST rebuild, with queries answering throughout', async () => {
    const list: any = await (await get('/api/v1/projections')).json();
    expect(list.projections.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['users', 'audit_log', 'role_grants']));
    expect(list.projections.find((p: { name: string }) => p.name === 'audit_log')).toMatchObject({ lag_events: 0, failed_events: 0 });
    let stop = false;
    let answers = 0;
    const reader = (async () => {
      while (!stop) {
        const body: any = await (await get(`/api/v1/audit_log?user_id=${alice}`)).json();
        expect(body.audit_log).toHaveLength(2);
        answers++;
      }
    })();
    const rebuilt = await get('/api/v1/projections/audit_log/rebuild?wait=true', undefined, { method: 'POST' });
    stop = true;
    await reader;
    expect(rebuilt.status).toBe(200);
    expect(((await rebuilt.json()) as any).projection).toMatchObject({ name: 'audit_log', generation: 1 });
    expect(answers).toBeGreaterThan(0);
    expect((await get('/api/v1/projections/nope/rebuild', undefined, { method: 'POST' })).status).toBe(404);
  });
  // Last: it adds a user, which the policy listing above would count.
  it('an imported user has its own entry: when, by which job, from which file and line', async () => {
    const bob = userId();
    const job = { id: 'imp_audit', format: 'csv', checksum: 'abc123', fileName: 'users.csv', lines: [7, 8] };
    const at = await h.given(`user-${bob}`, [
      ev(
        'UserImported',
        {
          userId: bob,
          isNew: true,
          mode: 'merge',
          identities: [identity(bob, 'email', 'bob@example.com')],
          organizations: [],
          properties: {},
          featureFlags: {},
          password: { method: 'bcrypt', hash: '$2b$10$abcdefghijklmnopqrstuv' },
        },
        { actor: { type: 'import', id: job.id }, source: 'import', import: job },
      ),
    ]);
    expect(at).toBeTruthy();
    const log: any = await (await get(`/api/v1/audit_log?user_id=${bob}`)).json();
    expect(log.audit_log).toHaveLength(1);
    expect(log.audit_log[0]).toMatchObject({ type: 'user.imported', source: 'import', email: 'bob@example.com', actor: { type: 'import', id: 'imp_audit' } });
    expect(log.audit_log[0].details.import).toEqual({ id: 'imp_audit', format: 'csv', checksum: 'abc123', file_name: 'users.csv', lines: [7, 8] });
    expect(JSON.stringify(log.audit_log[0])).not.toContain('$2b$');
    const activity: any = await (await get(`/api/v1/users/${bob}/activity`)).json();
    expect(activity.activity.map((e: { description: string }) => e.description)).toEqual(['Imported by job imp_audit from users.csv lines 7, 8']);
  });
});
