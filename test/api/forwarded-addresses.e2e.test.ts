import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { streams } from '../../src/domain/streams';
import { startTestApp, type TestApp } from '../support/app';

/**
 * X-Forwarded-For decides the IP in the audit log and the token endpoint's
 * per-IP throttle only when the connection comes from a proxy listed in
 * ROSTER_TRUSTED_PROXIES; unset, never. The tests' connections come from
 * 127.0.0.1.
 */

const apps: TestApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((t) => t.close()));
});

async function start(env: Record<string, string> = {}) {
  const t = await startTestApp({ env: { ROSTER_TOKEN_MAX_FAILURES: '3', ...env } });
  apps.push(t);
  return { t, token: await t.token() };
}

/** Creates a user through the API with the given X-Forwarded-For; the IP recorded on its event and in the audit log. */
async function auditedIp(t: TestApp, token: string, forwardedFor: string): Promise<{ eventIp: unknown; auditIps: unknown[] }> {
  const email = `fwd.${Math.random().toString(36).slice(2, 10)}@example.com`;
  const res = await fetch(`${t.url}/api/v1/user`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ identities: [{ type: 'email', details: { email } }] }),
  });
  expect(res.status).toBe(200);
  const { id } = (await res.json()) as { id: string };
  const [created] = await t.db.store.readStream(streams.user(id));
  const audit = (await (await fetch(`${t.url}/api/v1/audit_log?user_id=${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { audit_log: { ip: unknown }[] };
  const entries = audit.audit_log;
  expect(entries.length).toBeGreaterThan(0);
  return { eventIp: (created!.metadata as { ip?: unknown }).ip, auditIps: entries.map((e) => e.ip) };
}

/** A failed client authentication with the given X-Forwarded-For; each uses its own client id, so only the IP key can trip. */
const wrongSecret = (t: TestApp, forwardedFor: string) =>
  fetch(`${t.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'x-forwarded-for': forwardedFor },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: `probe-${Math.random().toString(36).slice(2)}`, client_secret: 'guess-guess-guess' }),
  });

describe('ROSTER_TRUSTED_PROXIES unset: X-Forwarded-For is never believed', () => {
  it('the audit log records the peer address, not the header', async () => {
    const { t, token } = await start();
    const { eventIp, auditIps } = await auditedIp(t, token, '203.0.113.50');
    expect(eventIp).toBe('127.0.0.1');
    expect(auditIps).toEqual(auditIps.map(() => '127.0.0.1'));
  });

  it('a client changing X-Forwarded-For on every request is still throttled under its own address', async () => {
    const { t } = await start();
    for (let i = 0; i < 3; i++) expect((await wrongSecret(t, `198.51.100.${i}`)).status).toBe(401);
    const limited = await wrongSecret(t, '198.51.100.200');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('ROSTER_TRUSTED_PROXIES lists the peer: the client address comes from X-Forwarded-For', () => {
  it('the audit log records the forwarded client; a client cannot prepend an address of its choice', async () => {
    const { t, token } = await start({ ROSTER_TRUSTED_PROXIES: '127.0.0.1' });
    const { eventIp, auditIps } = await auditedIp(t, token, '203.0.113.50');
    expect(eventIp).toBe('203.0.113.50');
    expect(auditIps).toEqual(auditIps.map(() => '203.0.113.50'));
    // The proxy appends the address it saw; whatever the client wrote before it is not trusted.
    expect((await auditedIp(t, token, '192.0.2.1, 203.0.113.60')).eventIp).toBe('203.0.113.60');
  });

  it('the token throttle counts per forwarded client: one client is limited, another is not', async () => {
    const { t } = await start({ ROSTER_TRUSTED_PROXIES: '127.0.0.0/8' });
    for (let i = 0; i < 3; i++) expect((await wrongSecret(t, '203.0.113.70')).status).toBe(401);
    expect((await wrongSecret(t, '203.0.113.70')).status).toBe(429);
    expect((await wrongSecret(t, '203.0.113.71')).status).toBe(401);
  });
});

describe('ROSTER_TRUSTED_PROXIES lists other proxies: the peer is not one of them', () => {
  it('X-Forwarded-For from an untrusted peer is ignored', async () => {
    const { t, token } = await start({ ROSTER_TRUSTED_PROXIES: '10.0.0.1, 192.168.0.0/16' });
    expect((await auditedIp(t, token, '203.0.113.50')).eventIp).toBe('127.0.0.1');
  });
});

describe('ROSTER_TRUSTED_PROXIES parsing', () => {
  it.each([['10.0.0.1'], ['10.0.0.0/8, ::1'], ['loopback,uniquelocal'], ['10.0.0.0/255.0.0.0'], ['fd00::/8']])('accepts %s', (value) => {
    expect(loadConfig({ ROSTER_TRUSTED_PROXIES: value }).trustedProxies!.length).toBeGreaterThan(0);
  });
  it.each([['example.com'], ['10.0.0.0/33'], ['10.0.0.1/8/1'], ['*']])('refuses %s with a message naming the variable', (value) => {
    expect(() => loadConfig({ ROSTER_TRUSTED_PROXIES: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ROSTER_TRUSTED_PROXIES: value })).toThrow(/ROSTER_TRUSTED_PROXIES/);
  });
  it('unset means no proxy is trusted', () => {
    expect(loadConfig({}).trustedProxies).toBeUndefined();
  });
});
