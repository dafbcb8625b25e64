import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { setTemporaryPassword } from '../../src/commands/users';
import { streams } from '../../src/domain/streams';
import { MAX_PASSWORD_BYTES, type StoredPasswordInput } from '../../src/passwords';
import { startTestApp, type TestApp } from '../support/app';

/**
 * Issue 13, item 1, end to end over HTTP on the real composition root: a
 * 4,096-byte password (the longest accepted) works for sign-in, for
 * `PUT /api/v1/users/{id}/password` and for temporary passwords, and every one
 * of its bytes counts — a password differing only in its last byte, or sharing
 * its first 72 bytes, is refused. Hashes come from independent tools
 * (test/fixtures/passwords/generate-more.sh).
 */
interface Vector {
  readonly name: string;
  readonly input: StoredPasswordInput & { hashed_password: string; hashing_method: string };
  readonly password: string;
  readonly matches: boolean;
}
const vector = (method: string, name: string): Vector => {
  const file = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/passwords', `${method}.json`), 'utf8')) as { vectors: Vector[] };
  const found = file.vectors.find((v) => v.name === name);
  if (!found?.matches) throw new Error(`no positive vector ${name}`);
  return found;
};

const ssha512 = vector('ldap', 'passlib {SSHA512} 4096-byte password');
const roster = vector('bcrypt_hmac_sha384', 'php bcrypt over HMAC-SHA-384 huge');
const HUGE = ssha512.password;
const lastByteChanged = HUGE.slice(0, -1) + (HUGE.endsWith('x') ? 'y' : 'x');
const prefixTwin = HUGE.slice(0, 72) + ' but a different tail';
const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });

let t: TestApp;
let token: string;

const call = async (method: string, url: string, body?: object) => {
  const res = await fetch(`${t.url}${url}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const signIn = (identity: string, password: string) => call('POST', '/api/v1/sign_in/password', { identity, password });

async function newUser(): Promise<{ id: string; email: string }> {
  const email = `long.${Math.random().toString(36).slice(2, 10)}@example.com`;
  const res = await call('POST', '/api/v1/user', { identities: [{ type: 'email', details: { email } }] });
  expect(res.status).toBe(200);
  return { id: res.body['id'] as string, email };
}

const eventTypes = async (userId: string) => (await t.runtime.store.readStream(streams.user(userId))).map((e) => e.type);

beforeAll(async () => {
  expect(Buffer.byteLength(HUGE, 'utf8')).toBe(MAX_PASSWORD_BYTES);
  expect(roster.password).toBe(HUGE);
  t = await startTestApp({ env: { ROSTER_BCRYPT_COST: '4' } });
  token = await t.token();
});

afterAll(async () => {
  await t?.close();
});

describe('a 4,096-byte password', () => {
  it('set with PUT …/password as an imported LDAP {SSHA512} hash: signs in, is upgraded, and only the whole password signs in afterwards', async () => {
    const { id, email } = await newUser();
    expect((await call('PUT', `/api/v1/users/${id}/password`, { hashed_password: ssha512.input.hashed_password, hashing_method: 'ldap' })).status).toBe(200);

    expect(await signIn(email, HUGE)).toMatchObject({ status: 200, body: { user_id: id, next_step: null } });
    expect(await eventTypes(id)).toContain('UserPasswordUpgraded');

    expect((await signIn(email, lastByteChanged)).status).toBe(401);
    expect((await signIn(email, prefixTwin)).status).toBe(401);
    expect(await signIn(email, HUGE)).toMatchObject({ status: 200, body: { user_id: id } });
  });

  it('set with PUT …/password as a bcrypt_hmac_sha384 hash (PHP): signs in without an upgrade', async () => {
    const { id, email } = await newUser();
    expect((await call('PUT', `/api/v1/users/${id}/password`, { hashed_password: roster.input.hashed_password, hashing_method: 'bcrypt_hmac_sha384' })).status).toBe(200);
    expect((await signIn(email, lastByteChanged)).status).toBe(401);
    expect(await signIn(email, HUGE)).toMatchObject({ status: 200, body: { user_id: id, next_step: null } });
    expect(await eventTypes(id)).not.toContain('UserPasswordUpgraded');
  });

  it('as a temporary password set with PUT …/password: a near miss is refused, the password works once', async () => {
    const { id, email } = await newUser();
    const put = await call('PUT', `/api/v1/users/${id}/password`, { hashed_password: roster.input.hashed_password, hashing_method: 'bcrypt_hmac_sha384', is_temporary_password: true });
    expect(put.status).toBe(200);
    expect((await signIn(email, prefixTwin)).status).toBe(401);
    expect((await signIn(email, lastByteChanged)).status).toBe(401);
    expect(await signIn(email, HUGE)).toMatchObject({ status: 200, body: { user_id: id, next_step: 'set_new_password' } });
    expect((await signIn(email, HUGE)).status).toBe(401);
  });

  it("as a temporary password an admin typed (hashed by the server's pool): a near miss is refused, the password works once", async () => {
    const { id, email } = await newUser();
    const stored = await t.runtime.passwords.hash(HUGE);
    expect(stored.method).toBe('bcrypt_hmac_sha384');
    await setTemporaryPassword(t.runtime.store, admin, id, stored, { ok: true });
    expect((await signIn(email, prefixTwin)).status).toBe(401);
    expect((await signIn(email, lastByteChanged)).status).toBe(401);
    expect(await signIn(email, HUGE)).toMatchObject({ status: 200, body: { user_id: id, next_step: 'set_new_password' } });
  });

  it('one byte more is refused', async () => {
    const { id, email } = await newUser();
    expect((await call('PUT', `/api/v1/users/${id}/password`, { hashed_password: ssha512.input.hashed_password, hashing_method: 'ldap' })).status).toBe(200);
    const tooLong = await signIn(email, HUGE + 'x');
    expect(tooLong.status).toBe(400);
    expect(await eventTypes(id)).not.toContain('UserSignInSucceeded');
  });
});
