import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { setUpFirstOperator, type ConsoleClient } from './support';

/** Endpoints the console needs beyond Kinde's API: API clients (operators only) and the audit chain's verification. */
let t: TestApp;
let c: ConsoleClient;
beforeAll(async () => {
  t = await startTestApp();
  c = await setUpFirstOperator(t);
});
afterAll(async () => {
  await t?.close();
});

const json = async <T>(res: Response) => (await res.json()) as T;
const code = async (res: Response) => (await json<{ errors: { code: string }[] }>(res)).errors[0]!.code;

describe('/api/v1/clients', () => {
  it('an operator creates a client (secret shown once), lists it without the secret, and revokes it', async () => {
    const created = await c.request('POST', '/api/v1/clients', { json: { name: 'billing sync', scopes: ['read:users', 'read:users', 'read:audit'] } });
    expect(created.status).toBe(201);
    const body = await json<{ client_id: string; client_secret: string; scopes: string[]; revoked_on: null }>(created);
    expect(body).toMatchObject({ client_id: expect.stringMatching(/^roster_/), client_secret: expect.any(String), scopes: ['read:users', 'read:audit'], revoked_on: null });

    // The secret works for a token, and is never listed.
    const token = await t.token({ clientId: body.client_id, clientSecret: body.client_secret });
    expect((await fetch(`${t.url}/api/v1/users`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    const list = await c.request('GET', '/api/v1/clients');
    const text = await list.text();
    expect(text).toContain(body.client_id);
    expect(text).not.toContain(body.client_secret);

    const revoked = await c.request('DELETE', `/api/v1/clients/${body.client_id}`);
    expect(revoked.status).toBe(200);
    expect((await fetch(`${t.url}/api/v1/users`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(403);
    const again = await c.request('DELETE', `/api/v1/clients/${body.client_id}`);
    expect(again.status).toBe(404);
    expect(await code(again)).toBe('CLIENT_NOT_FOUND');
  });

  it('refuses unknown scopes and creates nothing', async () => {
    const before = await t.runtime.db.knex('api_clients').count<{ count: string }[]>('* as count');
    const res = await c.request('POST', '/api/v1/clients', { json: { name: 'x', scopes: ['read:everything'] } });
    expect(res.status).toBe(400);
    expect(await code(res)).toBe('UNKNOWN_SCOPE');
    expect(await t.runtime.db.knex('api_clients').count<{ count: string }[]>('* as count')).toEqual(before);
  });

  it('is closed to bearer tokens, even the admin client’s', async () => {
    const token = await t.token();
    for (const [method, path] of [
      ['GET', '/api/v1/clients'],
      ['POST', '/api/v1/clients'],
      ['DELETE', `/api/v1/clients/${t.admin.id}`],
    ] as const) {
      const res = await fetch(`${t.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        ...(method === 'POST' ? { body: JSON.stringify({ name: 'x', scopes: ['*'] }) } : {}),
      });
      expect(res.status).toBe(403);
      expect(await code(res)).toBe('OPERATOR_REQUIRED');
    }
    expect(await t.runtime.db.knex('api_clients').where({ client_id: t.admin.id }).whereNull('revoked_at').select('client_id')).toHaveLength(1);
  });

  it('needs the CSRF token like every state-changing console request', async () => {
    const res = await c.request('POST', '/api/v1/clients', { json: { name: 'x', scopes: ['read:users'] }, csrf: false });
    expect(res.status).toBe(403);
    expect(await code(res)).toBe('CSRF_TOKEN_INVALID');
  });
});

describe('GET /api/v1/audit_log/verify', () => {
  it('answers the chain verification', async () => {
    const created = await c.request('POST', '/api/v1/user', { json: { identities: [{ type: 'email', details: { email: 'chain@example.com' } }] } });
    expect(created.status).toBe(200);
    const res = await c.request('GET', '/api/v1/audit_log/verify');
    expect(res.status).toBe(200);
    const body = await json<{ ok: boolean; entries: number }>(res);
    expect(body.ok).toBe(true);
    expect(body.entries).toBeGreaterThan(0);
  });
});
