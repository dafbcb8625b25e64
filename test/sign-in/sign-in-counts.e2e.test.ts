import { randomUUID } from 'node:crypto';
import bcryptjs from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streams } from '../../src/domain/streams';
import { startTestApp, type TestApp } from '../support/app';

/**
 * A user's sign-in counts over HTTP: `GET /api/v1/user` (the user's stream folded)
 * and `GET /api/v1/users` (the users read model) give the same `total_sign_ins` and
 * `failed_sign_ins`, Kinde's "Number of consecutive failed user sign ins" — after
 * real attempts through `POST /api/v1/sign_in/password`, and after recorded attempts
 * that name no identity.
 */
describe('sign-in counts: GET /api/v1/user and GET /api/v1/users agree', () => {
  let t: TestApp;
  let token: string;
  const email = 'counts@example.com';
  let userId: string;

  const call = async (method: string, path: string, body?: object) => {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const signIn = async (password: string, expected: number) => expect((await call('POST', '/api/v1/sign_in/password', { identity: email, password })).status).toBe(expected);

  /** [total_sign_ins, failed_sign_ins] from both endpoints, once the read model has every event. */
  async function counts() {
    expect(await t.runtime.projector.waitFor(await t.runtime.store.headPosition(), 10_000)).toBe(true);
    const one = (await call('GET', `/api/v1/user?id=${userId}`)).body;
    const listed = (await call('GET', `/api/v1/users?user_id=${userId}`)).body.users as Record<string, unknown>[];
    expect(listed).toHaveLength(1);
    return { user: [one.total_sign_ins, one.failed_sign_ins], users: [listed[0]!.total_sign_ins, listed[0]!.failed_sign_ins] };
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { ROSTER_BCRYPT_COST: '4' } });
    token = await t.token();
    const created = await call('POST', '/api/v1/user', { identities: [{ type: 'email', details: { email } }] });
    expect(created.status).toBe(200);
    userId = created.body.id as string;
    const set = await call('PUT', `/api/v1/users/${userId}/password`, { hashed_password: bcryptjs.hashSync('counts-secret-1', 4), hashing_method: 'bcrypt' });
    expect(set.status).toBe(200);
  });
  afterAll(async () => t?.close());

  it('no attempt yet: nothing counted', async () => {
    expect(await counts()).toEqual({ user: [0, 0], users: [0, 0] });
  });

  it('failures in a row count until a success resets them; the next failure starts again', async () => {
    await signIn('wrong-1', 401);
    await signIn('wrong-2', 401);
    expect(await counts()).toEqual({ user: [0, 2], users: [0, 2] });
    await signIn('counts-secret-1', 200);
    expect(await counts()).toEqual({ user: [1, 0], users: [1, 0] });
    await signIn('wrong-3', 401);
    expect(await counts()).toEqual({ user: [1, 1], users: [1, 1] });
  });

  it('attempts recorded without an identity count too', async () => {
    const meta = { actor: { type: 'user' as const, id: userId }, source: 'self' as const, occurredAt: new Date().toISOString() };
    await t.runtime.store.appendToStream(
      streams.user(userId),
      [
        { id: randomUUID(), type: 'UserSignInSucceeded', data: { method: 'social' }, metadata: meta },
        { id: randomUUID(), type: 'UserSignInFailed', data: { method: 'otp', reason: 'other' }, metadata: meta },
        { id: randomUUID(), type: 'UserSignInFailed', data: { method: 'otp', reason: 'other' }, metadata: meta },
      ],
      'any',
    );
    expect(await counts()).toEqual({ user: [2, 2], users: [2, 2] });
  });
});
