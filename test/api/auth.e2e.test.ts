import { compactVerify, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, revokeClient } from '../../src/http/auth/clients';
import { startTestApp, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const tokenRequest = (body: Record<string, string>, headers: Record<string, string> = {}) => fetch(`${t.url}/oauth2/token`, { method: 'POST', body: new URLSearchParams(body), headers });

describe('POST /oauth2/token (client credentials)', () => {
  it('issues an RS256 JWT that the published JWKS verifies, with every scope for the admin client', async () => {
    const res = await tokenRequest({ grant_type: 'client_credentials', client_id: t.admin.id, client_secret: t.admin.secret, audience: `${t.url}/api` });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number; scope: string };
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBeGreaterThan(0);
    expect(body.scope.split(' ')).toEqual(expect.arrayContaining(['read:users', 'create:users', 'delete:organization_user_mfa']));

    const jwks = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d'); // never the private part
    const key = await importJWK(jwks.keys[0]! as never, 'RS256');
    const { protectedHeader, payload } = await compactVerify(body.access_token, key);
    expect(protectedHeader.alg).toBe('RS256');
    const claims = JSON.parse(new TextDecoder().decode(payload)) as { sub: string; aud: string[]; scp: string[] };
    expect(claims.sub).toBe(t.admin.id);
    // The Kinde client checks `aud` includes `<base>/api`.
    expect(claims.aud).toContain(`${t.url}/api`);
  });

  it('accepts HTTP Basic client authentication', async () => {
    const basic = Buffer.from(`${t.admin.id}:${t.admin.secret}`).toString('base64');
    const res = await tokenRequest({ grant_type: 'client_credentials', scope: 'read:users' }, { Authorization: `Basic ${basic}` });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { scope: string }).scope).toBe('read:users');
  });

  it.each([
    ['a wrong secret', { grant_type: 'client_credentials', client_id: 'roster_test_admin', client_secret: 'wrong-secret-wrong-secret' }, 401, 'invalid_client'],
    ['an unknown client', { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'whatever-whatever' }, 401, 'invalid_client'],
    ['no credentials', { grant_type: 'client_credentials' }, 401, 'invalid_client'],
    ['another grant type', { grant_type: 'password', client_id: 'roster_test_admin', client_secret: 'x' }, 400, 'unsupported_grant_type'],
    ['an unknown scope', { grant_type: 'client_credentials', client_id: 'roster_test_admin', client_secret: 'test-admin-secret-0123456789abcdef', scope: 'read:everything' }, 400, 'invalid_scope'],
  ])('refuses %s', async (_name, body, status, error) => {
    const res = await tokenRequest(body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: string; errors: { code: string }[]; access_token?: string };
    expect(json.error).toBe(error);
    expect(json.errors[0]!.code).toBe(error.toUpperCase());
    expect(json.access_token).toBeUndefined();
  });
});

describe('bearer tokens on /api', () => {
  const get = (path: string, token?: string) => fetch(`${t.url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

  it.each([
    ['no token', undefined],
    ['a malformed token', 'not-a-jwt'],
    ['a token signed by another key', 'eyJhbGciOiJSUzI1NiIsImtpZCI6Im5vcGUifQ.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'],
  ])("answers 403 in Kinde's error shape for %s", async (_name, token) => {
    const res = await get('/api/v1/users', token);
    // Kinde's spec: 403 "Unauthorized - invalid credentials."
    expect(res.status).toBe(403);
    const body = (await res.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toEqual({ code: 'INVALID_CREDENTIALS', message: expect.any(String) });
  });

  it("refuses a token without the endpoint's scope, and accepts one with it", async () => {
    const narrow = await t.token({ scope: 'read:roles' });
    const refused = await get('/api/v1/user?id=kp_00000000000000000000000000000000', narrow);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('MISSING_SCOPE');
    const wide = await t.token({ scope: 'read:users' });
    const allowed = await get('/api/v1/user?id=kp_00000000000000000000000000000000', wide);
    expect(allowed.status).toBe(404); // past the scope check: the user does not exist
  });

  it("stops accepting a revoked client's tokens at once", async () => {
    const { client, secret } = await createClient(t.db.knex, { name: 'temp', scopes: ['read:users'] });
    const token = await t.token({ clientId: client.clientId, clientSecret: secret });
    expect((await get('/api/v1/user?id=kp_00000000000000000000000000000000', token)).status).toBe(404);
    expect(await revokeClient(t.db.knex, client.clientId)).toBe(true);
    expect((await get('/api/v1/user?id=kp_00000000000000000000000000000000', token)).status).toBe(403);
    const again = await tokenRequest({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: secret });
    expect(again.status).toBe(401);
  });

  it('stores client secrets hashed, never in clear', async () => {
    const rows = await t.db.knex('api_clients').select('secret_hash');
    for (const r of rows as { secret_hash: string }[]) {
      expect(r.secret_hash).toMatch(/^scrypt\$/);
      expect(r.secret_hash).not.toContain(t.admin.secret);
    }
  });
});
