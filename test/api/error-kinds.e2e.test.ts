import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';

/**
 * One route per error kind, through the real app: the kind an error carries
 * decides the status (src/http/errors.ts). unauthenticated (401) and
 * rate_limited (429) on the sign-in route are covered by test/sign-in/sign-in.e2e.test.ts.
 */
let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await startTestApp();
  token = await t.token();
});
afterAll(async () => {
  await t?.close();
});

async function call(method: string, path: string, body?: object, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as { errors?: { code: string; message: string }[] } };
}

describe('error kinds over HTTP', () => {
  it('invalid: a bad paging token from a read-model query is 400 INVALID_NEXT_TOKEN', async () => {
    const res = await call('GET', '/api/v1/users?next_token=not-a-token');
    expect(res).toEqual({ status: 400, body: { errors: [{ code: 'INVALID_NEXT_TOKEN', message: 'next_token is not valid' }] } });
  });

  it('not_found: an unknown user is 404 USER_NOT_FOUND', async () => {
    const res = await call('GET', '/api/v1/user?id=kp_00000000000000000000000000000000');
    expect(res.status).toBe(404);
    expect(res.body.errors?.[0]?.code).toBe('USER_NOT_FOUND');
  });

  it('conflict: a second user with a taken email is 409 EMAIL_TAKEN', async () => {
    const user = { identities: [{ type: 'email', details: { email: 'kinds.taken@example.com' } }] };
    expect((await call('POST', '/api/v1/user', user)).status).toBe(200);
    const res = await call('POST', '/api/v1/user', user);
    expect(res.status).toBe(409);
    expect(res.body.errors?.[0]?.code).toBe('EMAIL_TAKEN');
  });

  it('forbidden: no bearer token is 403 INVALID_CREDENTIALS (as Kinde answers)', async () => {
    const res = await fetch(`${t.url}/api/v1/users`);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe('INVALID_CREDENTIALS');
  });
});
