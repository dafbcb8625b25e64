import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resolver } from '../../src/net/endpoint-policy';
import { startHarness, until, type Harness } from './harness';

/**
 * Webhooks never reach into the local network (issue 13 item 2), at creation,
 * at update and at every delivery, on the address actually connected to.
 * Host names are resolved by an injected resolver the test controls; the only
 * traffic goes to receivers on 127.0.0.1.
 */
const userId = (n: number) => `kp_${n.toString(16).padStart(32, '0')}`;
const created = (id: string) => ({
  type: 'UserCreated',
  data: { userId: id, firstName: 'Ada', identities: [{ id: `identity_${id}`, type: 'email', identity: `${id}@example.com`, isVerified: true, isPrimary: true }], organizations: [] },
});

interface Seen {
  host: string | undefined;
  path: string | undefined;
}
async function recordingServer(status: number, headers: Record<string, string> = {}) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ host: req.headers.host, path: req.url });
      res.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { seen, port, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

describe('webhook endpoints and the local network', () => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof recordingServer>>;
  // What each name resolves to right now; the test changes it between creation and delivery.
  const dns = new Map<string, string>();
  const lookups: string[] = [];
  const hanging = new Set<string>();
  const resolve: Resolver = async (host) => {
    lookups.push(host);
    if (hanging.has(host)) return new Promise(() => {});
    const address = dns.get(host);
    if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  let nextUser = 1;

  beforeAll(async () => {
    receiver = await recordingServer(200);
    // Only this name is allowed although local; 127.0.0.1 itself is not.
    h = await startHarness({ allowedHosts: ['hooks.allowed.test'], resolve });
    h.startDispatcher();
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  const create = (endpoint: string) => h.api('POST', '/api/v1/webhooks', { name: 'x', endpoint, event_types: ['user.created'] });
  const deliveries = (webhookId: string) => h.db.knex('webhook_deliveries').where({ webhook_id: webhookId }).orderBy('id');

  it.each([
    ['http://localhost:PORT/hook'],
    ['http://2130706433:PORT/hook'],
    ['http://0x7f.1:PORT/hook'],
    ['http://[::1]:PORT/hook'],
    ['http://[::ffff:127.0.0.1]:PORT/hook'],
    ['http://127.0.0.2:9/hook'],
    ['http://169.254.169.254/latest/meta-data/'],
  ])('POST /api/v1/webhooks refuses %s with 400 WEBHOOK_ENDPOINT_NOT_ALLOWED and records nothing', async (template) => {
    const res = await create(template.replace('PORT', String(receiver.port)));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe('WEBHOOK_ENDPOINT_NOT_ALLOWED');
    expect(res.body.errors[0].message).toContain('ROSTER_WEBHOOK_ALLOWED_HOSTS');
    expect((await h.api('GET', '/api/v1/webhooks')).body.webhooks).toEqual([]);
  });

  it('a name that resolves to a local address is refused at creation', async () => {
    dns.set('intranet.example.com', '192.168.1.10');
    const res = await create('https://intranet.example.com/hook');
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ code: 'WEBHOOK_ENDPOINT_NOT_ALLOWED', message: expect.stringContaining('resolves to 192.168.1.10 is a private address') });
  });

  it('PATCH refuses to move an endpoint into the local network, and accepts a public one', async () => {
    dns.set('crm.example.com', '93.184.216.34');
    const made = await create('https://crm.example.com/hooks');
    expect(made.status).toBe(200);
    const id = made.body.webhook.id as string;
    const refused = await h.api('PATCH', `/api/v1/webhooks/${id}`, { endpoint: `http://[::ffff:127.0.0.1]:${receiver.port}/hook` });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].code).toBe('WEBHOOK_ENDPOINT_NOT_ALLOWED');
    const moved = await h.api('PATCH', `/api/v1/webhooks/${id}`, { endpoint: 'https://crm.example.com/v2/hooks' });
    expect(moved.status).toBe(200);
    const [listed] = (await h.api('GET', '/api/v1/webhooks')).body.webhooks;
    expect(listed).toMatchObject({ id, endpoint: 'https://crm.example.com/v2/hooks' });
    expect((await h.api('DELETE', `/api/v1/webhooks/${id}`)).status).toBe(200);
  });

  it('a name that resolves to a local address only at delivery time (DNS rebinding) gets nothing sent', async () => {
    dns.set('rebind.example.com', '93.184.216.34');
    const made = await create(`http://rebind.example.com:${receiver.port}/hook`);
    expect(made.status).toBe(200);
    const id = made.body.webhook.id as string;
    // Now the attacker's DNS answers with the loopback address, where a receiver listens.
    dns.set('rebind.example.com', '127.0.0.1');
    const before = receiver.seen.length;
    const user = userId(nextUser++);
    await h.append(`user-${user}`, [created(user)]);
    const [row] = await until('the delivery to fail for good', async () => {
      const rows = await deliveries(id);
      return rows[0]?.state === 'failed' ? rows : undefined;
    });
    expect(row).toMatchObject({ attempts: 1, last_status: null });
    expect(row.last_error).toContain('endpoint host rebind.example.com resolves to 127.0.0.1 is a loopback address');
    expect(receiver.seen.length).toBe(before);
    expect((await h.api('DELETE', `/api/v1/webhooks/${id}`)).status).toBe(200);
  });

  it('a resolver that never answers at delivery time is a timed-out attempt, retried later', async () => {
    dns.set('slow.example.com', '93.184.216.34');
    const made = await create('https://slow.example.com/hook');
    expect(made.status).toBe(200);
    hanging.add('slow.example.com');
    const user = userId(nextUser++);
    await h.append(`user-${user}`, [created(user)]);
    const [row] = await until('the first attempt to time out', async () => {
      const rows = await deliveries(made.body.webhook.id);
      return rows[0]?.attempts >= 1 ? rows : undefined;
    });
    expect(row).toMatchObject({ state: 'pending', last_status: null, last_error: 'timed out after 2000 ms' });
    expect((await h.api('DELETE', `/api/v1/webhooks/${made.body.webhook.id}`)).status).toBe(200);
  });

  it('an allowed name is connected to at the address that was checked, named by its host, and redirects are not followed', async () => {
    const redirector = await recordingServer(302, { location: `http://127.0.0.1:${receiver.port}/elsewhere` });
    try {
      dns.set('hooks.allowed.test', '127.0.0.1');
      const good = await create(`http://hooks.allowed.test:${receiver.port}/hook`);
      const bad = await create(`http://hooks.allowed.test:${redirector.port}/hook`);
      expect([good.status, bad.status]).toEqual([200, 200]);
      const before = receiver.seen.length;
      const lookupsBefore = lookups.filter((l) => l === 'hooks.allowed.test').length;
      const user = userId(nextUser++);
      await h.append(`user-${user}`, [created(user)]);
      await until('the delivery to the allowed name', async () => (await deliveries(good.body.webhook.id))[0]?.state === 'delivered');
      const [redirected] = await until('the redirected delivery to be attempted', async () => {
        const rows = await deliveries(bad.body.webhook.id);
        return rows[0]?.attempts >= 1 ? rows : undefined;
      });
      expect(redirected).toMatchObject({ last_status: 302, last_error: 'endpoint answered HTTP 302' });
      // Only the allowed receiver got a request, for /hook, with the name as Host; nothing reached /elsewhere.
      expect(receiver.seen.slice(before)).toEqual([{ host: `hooks.allowed.test:${receiver.port}`, path: '/hook' }]);
      expect(redirector.seen.length).toBeGreaterThanOrEqual(1);
      // The name was resolved by the injected resolver (once per request), never by the system.
      expect(lookups.filter((l) => l === 'hooks.allowed.test').length).toBeGreaterThan(lookupsBefore);
      for (const w of [good, bad]) await h.api('DELETE', `/api/v1/webhooks/${w.body.webhook.id}`);
    } finally {
      await redirector.close();
    }
  });
});
