import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';

/**
 * The auditor's questions, over HTTP: the user as they were at a time, and who
 * had a role in an organization at a moment (and who granted it).
 */
describe('time travel over HTTP', () => {
  let app: TestApp;
  let token: string;
  beforeAll(async () => {
    app = await startTestApp();
    token = await app.token();
  });
  afterAll(async () => app?.close());

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  /** A moment strictly after everything so far (event times have millisecond precision). */
  const moment = () => {
    const t = Date.now();
    while (Date.now() <= t) {
      /* the clock moves on within a millisecond */
    }
    return new Date(t).toISOString();
  };

  it('answers "who had the admin role in org X at that moment, and who gave it?"', async () => {
    const org = await call('POST', '/api/v1/organization', { name: 'Org X' });
    const orgCode = org.body.organization.code as string;
    const role = await call('POST', '/api/v1/roles', { name: 'Admin', key: 'admin' });
    const roleId = role.body.role.id as string;
    const user = await call('POST', '/api/v1/user', { profile: { given_name: 'Ada' }, identities: [{ type: 'email', details: { email: 'ada@example.com' } }], organization_code: orgCode });
    const userId = user.body.id as string;
    const beforeGrant = moment();
    expect((await call('POST', `/api/v1/organizations/${orgCode}/users/${userId}/roles`, { role_id: roleId })).status).toBe(200);
    const whileHeld = moment();
    expect((await call('DELETE', `/api/v1/organizations/${orgCode}/users/${userId}/roles/${roleId}`)).status).toBe(200);
    const afterRemoval = moment();

    const at = (t: string) => call('GET', `/api/v1/organizations/${orgCode}/roles/${roleId}/users?as_of=${encodeURIComponent(t)}`);
    expect((await at(beforeGrant)).body.users).toEqual([]);
    const held = (await at(whileHeld)).body;
    expect(held.users).toEqual([expect.objectContaining({ id: userId, email: 'ada@example.com', granted_by: expect.objectContaining({ type: 'api_client', id: app.admin.id }) })]);
    expect((await at(afterRemoval)).body.users).toEqual([]);
  });

  it('returns the user as they were at a time', async () => {
    const created = await call('POST', '/api/v1/user', { profile: { given_name: 'Grace', family_name: 'Hopper' }, identities: [{ type: 'email', details: { email: 'grace@example.com' } }] });
    const id = created.body.id as string;
    const beforeCreation = new Date(Date.now() - 60_000).toISOString();
    const asGrace = moment();
    expect((await call('PATCH', `/api/v1/user?id=${id}`, { given_name: 'Admiral' })).status).toBe(200);
    expect((await call('GET', `/api/v1/user?id=${id}`)).body.first_name).toBe('Admiral');
    expect((await call('GET', `/api/v1/user?id=${id}&as_of=${encodeURIComponent(asGrace)}`)).body.first_name).toBe('Grace');
    expect((await call('GET', `/api/v1/user?id=${id}&as_of=${encodeURIComponent(beforeCreation)}`)).status).toBe(404);
    expect((await call('GET', `/api/v1/user?id=${id}&as_of=yesterday`)).status).toBe(400);
  });
});
