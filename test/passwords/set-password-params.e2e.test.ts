import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streams } from '../../src/domain/streams';
import type { StoredPasswordInput } from '../../src/passwords';
import { startTestApp, type TestApp } from '../support/app';

/**
 * `PUT /api/v1/users/{id}/password` with Roster's `params` extension: the hash
 * families whose parameters are not in the hash string (firebase_scrypt with the
 * project's signer key, salt separator, rounds and mem_cost; scrypt as separate
 * N/r/p fields) are set over HTTP exactly as an NDJSON import's `password.params`
 * gives them, and the user signs in with the password. Vectors come from
 * independent tools (test/fixtures/passwords: firebase/scrypt's published vector,
 * Python's hashlib).
 */
interface Vector {
  readonly name: string;
  readonly input: StoredPasswordInput & { hashed_password: string; hashing_method: string; salt: string; params: Record<string, string | number> };
  readonly password: string;
  readonly matches: boolean;
}
const vector = (method: string, name: string): Vector => {
  const file = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/passwords', `${method}.json`), 'utf8')) as { vectors: Vector[] };
  const found = file.vectors.find((v) => v.name === name);
  if (!found?.matches) throw new Error(`no positive vector ${name}`);
  return found;
};

const firebase = vector('firebase_scrypt', 'firebase/scrypt README published vector (user1password)');
const firebaseStrings = vector('firebase_scrypt', 'hashlib.scrypt + openssl aes-256-ctr, mem_cost=10 ascii');
const scrypt = vector('scrypt', 'separate fields N=1024,r=8,p=2 ascii');

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
const setPassword = (id: string, body: object) => call('PUT', `/api/v1/users/${id}/password`, body);

async function newUser(): Promise<{ id: string; email: string }> {
  const email = `params.${Math.random().toString(36).slice(2, 10)}@example.com`;
  const res = await call('POST', '/api/v1/user', { identities: [{ type: 'email', details: { email } }] });
  expect(res.status).toBe(200);
  return { id: res.body['id'] as string, email };
}

const passwordEvents = async (userId: string) => (await t.runtime.store.readStream(streams.user(userId))).filter((e) => e.type === 'UserPasswordSet');

beforeAll(async () => {
  t = await startTestApp({ env: { ROSTER_BCRYPT_COST: '4' } });
  token = await t.token();
});

afterAll(async () => {
  await t?.close();
});

describe('PUT /api/v1/users/{id}/password with params', () => {
  it.each([
    ['firebase_scrypt, the published vector (numbers)', firebase],
    ['firebase_scrypt, rounds and mem_cost as strings', firebaseStrings],
    ['scrypt as separate N/r/p/key_length fields', scrypt],
  ])('%s: the password is stored and the user signs in with it (and not with another)', async (_name, v) => {
    const { id, email } = await newUser();
    const put = await setPassword(id, { hashed_password: v.input.hashed_password, hashing_method: v.input.hashing_method, salt: v.input.salt, params: v.input.params });
    expect(put).toMatchObject({ status: 200, body: { code: 'PASSWORD_SET' } });
    const stored = (await passwordEvents(id)).at(-1)?.data as { password?: { method: string; params?: Record<string, unknown> } } | undefined;
    expect(stored?.password?.method).toBe(v.input.hashing_method);
    // Kept normalised: numbers as numbers, only the method's known keys.
    for (const [k, value] of Object.entries(v.input.params)) expect(stored?.password?.params?.[k]).toEqual(/^\d+$/.test(String(value)) ? Number(value) : value);

    expect((await signIn(email, `${v.password}!`)).status).toBe(401);
    expect(await signIn(email, v.password)).toMatchObject({ status: 200, body: { user_id: id } });
  });

  it('without params a firebase_scrypt hash is refused with 400 and nothing is stored', async () => {
    const { id } = await newUser();
    const put = await setPassword(id, { hashed_password: firebase.input.hashed_password, hashing_method: 'firebase_scrypt', salt: firebase.input.salt });
    expect(put.status).toBe(400);
    expect(JSON.stringify(put.body)).not.toContain(firebase.input.hashed_password);
    expect(await passwordEvents(id)).toHaveLength(0);
  });

  it('params out of bounds (scrypt N·r·p over 2^21) are WORK_FACTOR_OUT_OF_BOUNDS, 400, nothing stored', async () => {
    const { id } = await newUser();
    const put = await setPassword(id, { hashed_password: scrypt.input.hashed_password, hashing_method: 'scrypt', salt: scrypt.input.salt, params: { ...scrypt.input.params, p: 4096 } });
    expect(put).toMatchObject({ status: 400, body: { errors: [{ code: 'WORK_FACTOR_OUT_OF_BOUNDS' }] } });
    expect(await passwordEvents(id)).toHaveLength(0);
  });

  it('a malformed params object (nested value, bad key) is 400 INVALID_REQUEST', async () => {
    const { id } = await newUser();
    for (const params of [{ n: { deep: 1 } }, { 'N-bad': 1 }, 'n=1024']) {
      const put = await setPassword(id, { hashed_password: scrypt.input.hashed_password, hashing_method: 'scrypt', salt: scrypt.input.salt, params });
      expect(put.status).toBe(400);
    }
    expect(await passwordEvents(id)).toHaveLength(0);
  });

  it('salt_string_format is accepted as salt_format; the two disagreeing is 400 SALT_INVALID', async () => {
    const { id, email } = await newUser();
    const sha = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/passwords/sha256.json'), 'utf8')) as { vectors: Vector[] };
    const hexSalted = sha.vectors.find((v) => v.matches && v.input.salt_format === 'hex');
    if (!hexSalted) throw new Error('no hex-salted sha256 vector in the fixtures');
    const body = { hashed_password: hexSalted.input.hashed_password, hashing_method: 'sha256', salt: hexSalted.input.salt, salt_position: hexSalted.input.salt_position };
    expect(await setPassword(id, { ...body, salt_format: 'hex', salt_string_format: 'string' })).toMatchObject({ status: 400, body: { errors: [{ code: 'SALT_INVALID' }] } });
    expect(await setPassword(id, { ...body, salt_string_format: 'hex' })).toMatchObject({ status: 200 });
    expect(await signIn(email, hexSalted.password)).toMatchObject({ status: 200, body: { user_id: id } });
  });
});

/** Kinde's pbkdf2 body (its Management API): base64 key and salt, `iterations`, FusionAuth `variant`. */
interface KindePbkdf2Vector {
  readonly name: string;
  readonly body: { hashed_password: string; hashing_method: 'pbkdf2'; salt: string; variant: string; iterations?: number };
  readonly password: string;
}
const kindePbkdf2 = [
  ...(JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/passwords/kinde-pbkdf2.json'), 'utf8')) as { vectors: KindePbkdf2Vector[] }).vectors,
  // FusionAuth's own published vector (fusionauth-example-password-encryptor,
  // ExamplePBDKF2HMACSHA256Keylength512PasswordHasherTest): the variant's definition.
  {
    name: 'FusionAuth example vector, PBKDF2-HMAC-SHA256 512-bit key, 27500 iterations',
    body: {
      hashed_password: 'LjFqvhPuUHJdQvWIwVQfqxjeujAWqG/DVQRFoOv62/cTznl9ob4jwWwY6i1RrwGviu5iNPU5VIp03SxDyetyfw==',
      hashing_method: 'pbkdf2',
      salt: 'jVqbuA9k2Mlo37OWXBMKLw==',
      variant: 'salted-pbkdf2-hmac-sha256-512',
      iterations: 27_500,
    },
    password: 'password',
  } satisfies KindePbkdf2Vector,
];

describe("PUT /api/v1/users/{id}/password with Kinde's pbkdf2 variant and iterations", () => {
  it.each(kindePbkdf2.map((v) => [v.name, v] as const))('%s: stored as PBKDF2 and the user signs in', async (_name, v) => {
    const { id, email } = await newUser();
    expect(await setPassword(id, v.body)).toMatchObject({ status: 200, body: { code: 'PASSWORD_SET' } });
    const stored = (await passwordEvents(id)).at(-1)?.data as { password?: { method: string; hash: string } } | undefined;
    expect(stored?.password?.method).toBe('pbkdf2');
    expect(stored?.password?.hash).toMatch(new RegExp(`^\\$pbkdf2-sha(256|512)\\$${v.body.iterations ?? 24000}\\$`));
    expect((await signIn(email, `${v.password}x`)).status).toBe(401);
    expect(await signIn(email, v.password)).toMatchObject({ status: 200, body: { user_id: id } });
  });

  it('a wrong variant, a key of the wrong length, wrong iterations or a missing salt: 400 with a stable code, nothing stored', async () => {
    const { id, email } = await newUser();
    const v = kindePbkdf2[0]!;
    const cases: [object, string][] = [
      [{ ...v.body, variant: 'salted-md5' }, 'HASHING_METHOD_UNSUPPORTED'],
      [{ ...kindePbkdf2[1]!.body, variant: 'salted-pbkdf2-hmac-sha256' }, 'HASH_MALFORMED'],
      [{ ...v.body, iterations: 0 }, 'WORK_FACTOR_OUT_OF_BOUNDS'],
      [{ ...v.body, iterations: 50_000_000 }, 'WORK_FACTOR_OUT_OF_BOUNDS'],
      [{ ...v.body, salt: undefined }, 'SALT_INVALID'],
    ];
    for (const [body, code] of cases) {
      const put = await setPassword(id, body);
      expect(put, code).toMatchObject({ status: 400, body: { errors: [{ code }] } });
      expect(JSON.stringify(put.body)).not.toContain(v.body.hashed_password);
    }
    expect(await passwordEvents(id)).toHaveLength(0);
    // The right iterations matter: the same key under another count does not sign in.
    expect((await setPassword(id, { ...v.body, iterations: 24_001 })).status).toBe(200);
    expect((await signIn(email, v.password)).status).toBe(401);
  });
});
