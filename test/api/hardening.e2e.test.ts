import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streams } from '../../src/domain/streams';
import { startTestApp, type TestApp } from '../support/app';

/** Bodies that try to set what they may not, or to pollute prototypes, change nothing; errors keep Kinde's shape. */
let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await startTestApp();
  token = await t.token();
});
afterAll(async () => {
  await t?.close();
});

const call = (method: string, path: string, body?: string | object) =>
  fetch(`${t.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });

async function expectKindeError(res: Response, status: number, code?: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { errors: { code: string; message: string }[] };
  expect(Object.keys(body)).toEqual(['errors']);
  expect(body.errors).toHaveLength(1);
  expect(body.errors[0]).toEqual({ code: code ?? expect.any(String), message: expect.any(String) });
}

const uniq = () => Math.random().toString(36).slice(2, 8);

describe('mass assignment', () => {
  it.each([
    ['a read-only id', { id: 'kp_ffffffffffffffffffffffffffffffff' }],
    ['is_suspended on create', { is_suspended: true }],
    ['created_on', { created_on: '2000-01-01T00:00:00Z' }],
    ['an unknown profile field', { profile: { given_name: 'A', is_admin: true } }],
  ])('POST /api/v1/user rejects %s and creates nothing', async (_name, extra) => {
    const email = `mass.${uniq()}@example.com`;
    const res = await call('POST', '/api/v1/user', { identities: [{ type: 'email', details: { email } }], ...extra });
    await expectKindeError(res, 400, 'INVALID_REQUEST');
    const list = (await (await call('GET', `/api/v1/users?email=${encodeURIComponent(email)}`)).json()) as { users: unknown[] };
    expect(list.users).toEqual([]);
  });

  it('PATCH /api/v1/user refuses fields outside the spec and leaves the user unchanged', async () => {
    const created = (await (await call('POST', '/api/v1/user', { profile: { given_name: 'Ann' }, identities: [{ type: 'email', details: { email: `p.${uniq()}@example.com` } }] })).json()) as {
      id: string;
    };
    await expectKindeError(await call('PATCH', `/api/v1/user?id=${created.id}`, { given_name: 'Eve', total_sign_ins: 99 }), 400, 'INVALID_REQUEST');
    const user = (await (await call('GET', `/api/v1/user?id=${created.id}`)).json()) as { first_name: string; total_sign_ins: number };
    expect(user.first_name).toBe('Ann');
    expect(user.total_sign_ins).toBe(0);
  });
});

describe('prototype pollution', () => {
  it.each([
    ['__proto__ at the top', '{"__proto__":{"polluted":true},"identities":[{"type":"email","details":{"email":"proto1@example.com"}}]}'],
    ['constructor.prototype', '{"constructor":{"prototype":{"polluted":true}},"identities":[{"type":"email","details":{"email":"proto2@example.com"}}]}'],
    ['__proto__ nested in a profile', '{"profile":{"__proto__":{"polluted":true}},"identities":[{"type":"email","details":{"email":"proto3@example.com"}}]}'],
  ])('%s changes nothing', async (_name, raw) => {
    const res = await call('POST', '/api/v1/user', raw);
    expect([400, 200]).toContain(res.status);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    if (res.status === 200) {
      const { id } = (await res.json()) as { id: string };
      const events = await t.db.store.readStream(streams.user(id));
      expect(JSON.stringify(events.map((e) => e.data))).not.toContain('polluted');
    }
  });

  it('property maps keyed __proto__ store nothing and pollute nothing', async () => {
    const created = (await (await call('POST', '/api/v1/user', { identities: [{ type: 'email', details: { email: `pp.${uniq()}@example.com` } }] })).json()) as { id: string };
    const res = await call('PATCH', `/api/v1/users/${created.id}/properties`, '{"properties":{"__proto__":"x"}}');
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect((Object.prototype as Record<string, unknown>).x).toBeUndefined();
    const events = await t.db.store.readStream(streams.user(created.id));
    expect(events.map((e) => e.type)).toEqual(['UserCreated']);
  });
});

describe('error shape and limits', () => {
  it('answers malformed JSON with 400 INVALID_JSON', async () => {
    await expectKindeError(await call('POST', '/api/v1/user', '{"identities": ['), 400, 'INVALID_JSON');
  });

  it('caps body size', async () => {
    await expectKindeError(await call('POST', '/api/v1/user', { profile: { given_name: 'x'.repeat(2_000_000) } }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND and an unknown user with 404 USER_NOT_FOUND', async () => {
    await expectKindeError(await call('GET', '/api/v1/nothing-here'), 404, 'ROUTE_NOT_FOUND');
    await expectKindeError(await call('GET', '/api/v1/user?id=kp_00000000000000000000000000000000'), 404, 'USER_NOT_FOUND');
  });

  it('answers a bad query parameter with 400', async () => {
    await expectKindeError(await call('GET', '/api/v1/users?page_size=0'), 400, 'INVALID_REQUEST');
    await expectKindeError(await call('GET', '/api/v1/users?sort=sideways'), 400, 'INVALID_REQUEST');
  });
});

describe('GET /api/v1/openapi.json', () => {
  it('documents every route with its scope, generated from the zod schemas', async () => {
    const res = await fetch(`${t.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { 'x-required-scope': string; requestBody?: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } } }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/v1/user']!.post!['x-required-scope']).toBe('create:users');
    expect(Object.keys(doc.paths['/api/v1/user']!.post!.requestBody!.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['profile', 'identities', 'provided_id', 'organization_code']),
    );
    expect(doc.paths['/api/v1/organizations/{org_code}/users/{user_id}/roles']!.get!['x-required-scope']).toBe('read:organization_user_roles');
    expect(Object.keys(doc.paths).length).toBeGreaterThan(40);
  });
});
