import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { issueSetupToken } from '../../src/operators/setup-token';
import { createOperator, disableOperator } from '../../src/operators/operators';
import { newTotpSecret, totpCode } from '../../src/operators/totp';
import { startTestApp, type TestApp } from '../support/app';
import { consoleClient, OPERATOR, type ConsoleClient } from './support';

/**
 * The console's session contract (issue 14): first-operator setup through the
 * one-time link, sign-in / sign-out, the cookie's flags, the idle timeout, the
 * CSRF refusals, and operator actions in the audit log.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const knex = () => t.runtime.db.knex;
const json = async <T>(res: Response) => (await res.json()) as T;

describe('first-operator setup', () => {
  it('reports setup_required while no operator exists', async () => {
    const res = await consoleClient(t).request('GET', '/admin/api/session');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ errors: [{ code: 'NOT_SIGNED_IN', message: expect.any(String) }], setup_required: true });
  });

  it('refuses an unknown token and an expired one, creating nothing', async () => {
    const bad = await consoleClient(t).request('POST', '/admin/api/setup', { json: { token: 'x'.repeat(43), ...OPERATOR } });
    expect(bad.status).toBe(400);
    expect((await json<{ errors: { code: string }[] }>(bad)).errors[0]!.code).toBe('SETUP_TOKEN_INVALID');

    const token = (await issueSetupToken(knex()))!;
    await knex()('operator_setup_tokens')
      .whereNull('used_at')
      .update({ expires_at: knex().raw(`now() - interval '1 second'`) });
    const expired = await consoleClient(t).request('POST', '/admin/api/setup', { json: { token, ...OPERATOR } });
    expect(expired.status).toBe(400);
    expect((await json<{ errors: { code: string }[] }>(expired)).errors[0]!.code).toBe('SETUP_TOKEN_INVALID');
    expect(await knex()('operators').select('id')).toEqual([]);
  });

  it('a new start replaces the earlier link', async () => {
    const first = (await issueSetupToken(knex()))!;
    const second = (await issueSetupToken(knex()))!;
    expect(second).not.toBe(first);
    const res = await consoleClient(t).request('POST', '/admin/api/setup', { json: { token: first, ...OPERATOR } });
    expect(res.status).toBe(400);
  });

  it('a weak password is refused and leaves the link usable', async () => {
    const token = (await issueSetupToken(knex()))!;
    const weak = await consoleClient(t).request('POST', '/admin/api/setup', { json: { token, email: OPERATOR.email, password: 'short' } });
    expect(weak.status).toBe(400);
    expect((await json<{ errors: { code: string }[] }>(weak)).errors[0]!.code).toBe('PASSWORD_TOO_SHORT');
    // A TOTP secret must be confirmed with a code from it.
    const { secret } = newTotpSecret(OPERATOR.email);
    const wrongCode = String((Number(totpCode(secret)) + 500_000) % 1_000_000).padStart(6, '0');
    for (const totp of [{ totp_secret: secret }, { totp_secret: secret, totp_code: wrongCode }]) {
      const refused = await consoleClient(t).request('POST', '/admin/api/setup', { json: { token, ...OPERATOR, ...totp } });
      expect(refused.status).toBe(400);
      expect((await json<{ errors: { code: string }[] }>(refused)).errors[0]!.code).toBe('TOTP_CODE_INVALID');
    }
    expect(await knex()('operators').select('id')).toEqual([]);

    const c = consoleClient(t);
    const ok = await c.request('POST', '/admin/api/setup', { json: { token, ...OPERATOR } });
    expect(ok.status).toBe(200);
    const body = await json<{ operator: { id: string; email: string }; csrf_token: string }>(ok);
    expect(body.operator).toEqual({ id: expect.stringMatching(/^op_[0-9a-f]{24}$/), email: OPERATOR.email });
    expect(body.csrf_token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(c.cookie).toBeDefined();

    // Hashed like every password: a bcrypt StoredPassword, never the plain text.
    const row = await knex()('operators').where({ id: body.operator.id }).first();
    expect(row.password.method).toBe('bcrypt_hmac_sha384');
    expect(JSON.stringify(row)).not.toContain(OPERATOR.password);

    // Single use: the same link cannot create a second operator, and no new link is issued.
    const again = await consoleClient(t).request('POST', '/admin/api/setup', { json: { token, email: 'other@example.com', password: OPERATOR.password } });
    expect(again.status).toBe(400);
    expect((await json<{ errors: { code: string }[] }>(again)).errors[0]!.code).toBe('SETUP_TOKEN_INVALID');
    expect(await issueSetupToken(knex())).toBeUndefined();

    const anonymous = await consoleClient(t).request('GET', '/admin/api/session');
    expect((await json<{ setup_required: boolean }>(anonymous)).setup_required).toBe(false);
  });
});

describe('sign-in, session and sign-out', () => {
  let c: ConsoleClient;

  it('refuses wrong credentials with 401 INVALID_CREDENTIALS and sets no cookie', async () => {
    for (const body of [
      { email: OPERATOR.email, password: 'not the password at all' },
      { email: 'nobody@example.com', password: OPERATOR.password },
    ]) {
      const res = await consoleClient(t).request('POST', '/admin/api/sign_in', { json: body });
      expect(res.status).toBe(401);
      expect((await json<{ errors: { code: string }[] }>(res)).errors[0]!.code).toBe('INVALID_CREDENTIALS');
      expect(res.headers.getSetCookie()).toEqual([]);
    }
  });

  it('signs in with a cookie that is HttpOnly, SameSite=Strict, Path=/, and not Secure over http', async () => {
    c = consoleClient(t);
    const res = await c.request('POST', '/admin/api/sign_in', { json: { email: OPERATOR.email.toUpperCase(), password: OPERATOR.password } });
    expect(res.status).toBe(200);
    const [cookie] = res.headers.getSetCookie();
    expect(cookie).toMatch(/^roster_admin=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Strict$/);
    const body = await json<{ operator: { email: string }; csrf_token: string }>(res);
    expect(body.operator.email).toBe(OPERATOR.email);
    c.csrf = body.csrf_token;

    // The session id is stored only as a digest.
    const value = cookie!.split(';')[0]!.split('=')[1]!;
    const rows = await knex()('operator_sessions').select('id_hash');
    expect(rows.some((r: { id_hash: string }) => r.id_hash === value)).toBe(false);

    const session = await c.request('GET', '/admin/api/session');
    expect(session.status).toBe(200);
    expect(await session.json()).toEqual({ operator: { id: expect.any(String), email: OPERATOR.email }, csrf_token: body.csrf_token });
  });

  it('the session cookie authenticates /api/v1 calls (every scope)', async () => {
    const res = await c.request('GET', '/api/v1/users');
    expect(res.status).toBe(200);
    const audit = await c.request('GET', '/api/v1/audit_log');
    expect(audit.status).toBe(200);
  });

  it('an operator action is audited with actor operator and source admin', async () => {
    const session = await json<{ operator: { id: string } }>(await c.request('GET', '/admin/api/session'));
    const res = await c.request('POST', '/api/v1/user', { json: { profile: { given_name: 'Ada', family_name: 'Lovelace' }, identities: [{ type: 'email', details: { email: 'ada@example.com' } }] } });
    expect(res.status).toBe(200);
    const { id } = await json<{ id: string }>(res);
    await vi.waitFor(async () => {
      const log = await json<{ audit_log: { type: string; actor: unknown; source: string }[] }>(await c.request('GET', `/api/v1/audit_log?user_id=${id}`));
      const created = log.audit_log.find((e) => e.type === 'user.created');
      expect(created).toMatchObject({ actor: { type: 'operator', id: session.operator.id }, source: 'admin' });
    });
  });

  it('ends after the idle timeout', async () => {
    const other = consoleClient(t);
    const signIn = await other.request('POST', '/admin/api/sign_in', { json: OPERATOR });
    expect(signIn.status).toBe(200);
    expect((await other.request('GET', '/admin/api/session')).status).toBe(200);
    const cookie = other.cookie!;
    // 31 minutes without a request (the default idle limit is 30).
    await knex()('operator_sessions')
      .update({ last_seen_at: knex().raw(`now() - interval '31 minutes'`) })
      .whereNot('id_hash', '');
    const res = await other.request('GET', '/admin/api/session');
    expect(res.status).toBe(401);
    const api = await fetch(`${t.url}/api/v1/users`, { headers: { Cookie: cookie } });
    expect(api.status).toBe(401);
    expect((await json<{ errors: { code: string }[] }>(api)).errors[0]!.code).toBe('NOT_SIGNED_IN');
    // c was idle too: sign in again for the tests below.
    c = consoleClient(t);
    const again = await c.request('POST', '/admin/api/sign_in', { json: OPERATOR });
    c.csrf = (await json<{ csrf_token: string }>(again)).csrf_token;
  });

  it('signs out: 204, the cookie is cleared and the session no longer works', async () => {
    const cookie = c.cookie!;
    const res = await c.request('POST', '/admin/api/sign_out');
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie()[0]).toMatch(/^roster_admin=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
    const replay = await fetch(`${t.url}/admin/api/session`, { headers: { Cookie: cookie } });
    expect(replay.status).toBe(401);
  });
});

describe('CSRF', () => {
  let c: ConsoleClient;
  const newUser = (email: string) => ({ profile: { given_name: 'Eve' }, identities: [{ type: 'email', details: { email } }] });
  const userCount = async () => Number((await knex()('events').where({ type: 'UserCreated' }).count<{ count: string }[]>('* as count'))[0]!.count);

  beforeAll(async () => {
    c = consoleClient(t);
    const res = await c.request('POST', '/admin/api/sign_in', { json: OPERATOR });
    c.csrf = (await json<{ csrf_token: string }>(res)).csrf_token;
  });

  it.each([
    ['no X-CSRF-Token', { csrf: false }],
    ['a wrong X-CSRF-Token', { headers: { 'X-CSRF-Token': 'forged-token-forged-token-forged-token-xx' } }],
    ['a cross-site request carrying the right token', { headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' } }],
    ['another Origin', { headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'same-origin' } }],
  ])('refuses a cookie request with %s: 403 CSRF_TOKEN_INVALID, nothing changed', async (_name, options) => {
    const before = await userCount();
    const res = await c.request('POST', '/api/v1/user', { json: newUser('eve@example.com'), ...options });
    expect(res.status).toBe(403);
    expect((await json<{ errors: { code: string }[] }>(res)).errors[0]!.code).toBe('CSRF_TOKEN_INVALID');
    expect(await userCount()).toBe(before);
  });

  it('refuses a forged sign-out, keeping the session', async () => {
    const res = await c.request('POST', '/admin/api/sign_out', { csrf: false });
    expect(res.status).toBe(403);
    expect((await c.request('GET', '/admin/api/session')).status).toBe(200);
  });

  it('bearer tokens are unaffected (no cookie, no CSRF header needed)', async () => {
    const token = await t.token();
    const res = await fetch(`${t.url}/api/v1/user`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(newUser('bob@example.com')),
    });
    expect(res.status).toBe(200);
  });
});

describe('TOTP and disabled operators', () => {
  it('asks for the code (401 TOTP_REQUIRED), refuses a wrong one, accepts the right one', async () => {
    const { secret } = newTotpSecret('totp@example.com');
    await createOperator(knex(), t.runtime.passwords, { email: 'totp@example.com', password: OPERATOR.password, totpSecret: secret });
    const creds = { email: 'totp@example.com', password: OPERATOR.password };
    const needed = await consoleClient(t).request('POST', '/admin/api/sign_in', { json: creds });
    expect(needed.status).toBe(401);
    expect((await json<{ errors: { code: string }[] }>(needed)).errors[0]!.code).toBe('TOTP_REQUIRED');
    const wrongCode = String((Number(totpCode(secret)) + 500_000) % 1_000_000).padStart(6, '0');
    const wrong = await consoleClient(t).request('POST', '/admin/api/sign_in', { json: { ...creds, totp_code: wrongCode } });
    expect(wrong.status).toBe(401);
    expect((await json<{ errors: { code: string }[] }>(wrong)).errors[0]!.code).toBe('INVALID_CREDENTIALS');
    const ok = await consoleClient(t).request('POST', '/admin/api/sign_in', { json: { ...creds, totp_code: totpCode(secret) } });
    expect(ok.status).toBe(200);
  });
});

describe('refusals that protect the sign-in', () => {
  it('a disabled operator cannot sign in', async () => {
    await createOperator(knex(), t.runtime.passwords, { email: 'gone@example.com', password: OPERATOR.password });
    expect(await disableOperator(knex(), 'gone@example.com')).toHaveLength(1);
    const res = await consoleClient(t).request('POST', '/admin/api/sign_in', { json: { email: 'gone@example.com', password: OPERATOR.password } });
    expect(res.status).toBe(401);
    expect((await json<{ errors: { code: string }[] }>(res)).errors[0]!.code).toBe('INVALID_CREDENTIALS');
  });

  it('a cross-site sign-in form post is refused', async () => {
    const res = await consoleClient(t).request('POST', '/admin/api/sign_in', { json: OPERATOR, headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' } });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  // Last in this file: the failures also count against this test's IP.
  it('too many failures answer 429 TOO_MANY_ATTEMPTS, even with the right password', async () => {
    let last: Response | undefined;
    for (let i = 0; i < 12; i++) {
      last = await consoleClient(t).request('POST', '/admin/api/sign_in', { json: { email: 'target@example.com', password: `guess number ${i}` } });
      if (last.status === 429) break;
      expect(last.status).toBe(401);
    }
    expect(last!.status).toBe(429);
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await json<{ errors: { code: string }[] }>(last!)).errors[0]!.code).toBe('TOO_MANY_ATTEMPTS');
    await createOperator(knex(), t.runtime.passwords, { email: 'target@example.com', password: OPERATOR.password });
    const right = await consoleClient(t).request('POST', '/admin/api/sign_in', { json: { email: 'target@example.com', password: OPERATOR.password } });
    expect(right.status).toBe(429);
  });
});
