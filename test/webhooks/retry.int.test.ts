import { decodeWebhook } from '@kinde/webhooks';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toEventData } from '../../src/commands/handle';
import { createLogger } from '../../src/logger';
import { startWebhookDispatcher } from '../../src/webhooks/dispatcher';
import { DISPATCH_FAST, LOOPBACK_ALLOWED, startHarness, startReceiver, until, type Harness, type Receiver } from './harness';

/**
 * Retries, restarts, giving up and isolation, against real local receivers.
 * Backoff and timeouts are configured tiny; tests wait for rows and receipts,
 * never for time to pass.
 */
const userId = (n: number) => `kp_${n.toString(16).padStart(32, '0')}`;
const created = (id: string, first = 'Ada') => ({
  type: 'UserCreated',
  data: { userId: id, firstName: first, identities: [{ id: `identity_${id}`, type: 'email', identity: `${id}@example.com`, isVerified: true, isPrimary: true }], organizations: [] },
});
const renamed = (first: string) => ({ type: 'UserUpdated', data: { firstName: first } });
const eventIdOf = (body: string) => decodeJwt(body).event_id as string;

describe('webhook retries and restarts', () => {
  let h: Harness;
  const receivers: Receiver[] = [];
  const webhooks: string[] = [];
  let nextUser = 1;

  async function webhookTo(respond: Receiver['respond'], eventTypes = ['user.created', 'user.updated']) {
    const r = await startReceiver(respond);
    receivers.push(r);
    const res = await h.api('POST', '/api/v1/webhooks', { name: `hook ${webhooks.length}`, endpoint: r.url, event_types: eventTypes });
    expect(res.status).toBe(200);
    webhooks.push(res.body.webhook.id);
    return { receiver: r, id: res.body.webhook.id as string };
  }
  const deliveries = (webhookId: string) => h.db.knex('webhook_deliveries').where({ webhook_id: webhookId }).orderBy('id');

  beforeAll(async () => {
    h = await startHarness();
    h.startDispatcher();
  });
  afterEach(async () => {
    // Each test's webhooks end with it, so their receivers see no later test's events.
    for (const id of webhooks.splice(0)) await h.api('DELETE', `/api/v1/webhooks/${id}`);
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('a receiver that fails the first attempts gets the event later, byte for byte as first sent', async () => {
    const { receiver, id } = await webhookTo((_body, n) => (n < 2 ? 500 : 200));
    const user = userId(nextUser++);
    await h.append(`user-${user}`, [created(user)]);
    await until('the third attempt', () => receiver.received.length >= 3);
    const [a, b, c] = receiver.received;
    expect([a!.status, b!.status, c!.status]).toEqual([500, 500, 200]);
    expect(new Set([a!.body, b!.body, c!.body]).size).toBe(1);
    const event = await decodeWebhook<{ event_id: string; type: string }>(c!.body, h.baseUrl);
    expect(event).toMatchObject({ type: 'user.created', event_id: eventIdOf(a!.body) });
    const log = await until('the delivery is marked delivered', async () => {
      const res = await h.api('GET', `/api/v1/webhooks/${id}/deliveries`);
      return res.body.deliveries[0]?.state === 'delivered' ? res.body.deliveries[0] : undefined;
    });
    expect(log.attempt_count).toBe(3);
    expect(log.attempts.map((x: { status_code: number; outcome: string; error: string | null }) => [x.status_code, x.outcome, x.error])).toEqual([
      [500, 'failed', 'endpoint answered HTTP 500'],
      [500, 'failed', 'endpoint answered HTTP 500'],
      [200, 'delivered', null],
    ]);
  });

  it('a request that exceeds the timeout is an attempt that failed, and is retried', async () => {
    await h.dispatcher!.stop();
    h.startDispatcher({ requestTimeoutMs: 300 });
    let release!: () => void;
    const held = new Promise<number>((resolve) => (release = () => resolve(200)));
    const { receiver, id } = await webhookTo((_body, n) => (n === 0 ? held : 200));
    const user = userId(nextUser++);
    await h.append(`user-${user}`, [created(user)]);
    const [row] = await until('a delivered row after a timeout', async () => {
      const rows = await deliveries(id);
      return rows[0]?.state === 'delivered' ? rows : undefined;
    });
    release();
    const attempts = await h.db.knex('webhook_delivery_attempts').where({ delivery_id: row.id }).orderBy('id');
    expect(attempts.map((x) => [x.outcome, x.status_code, x.error])).toEqual([
      ['failed', null, 'timed out after 300 ms'],
      ['delivered', 200, null],
    ]);
    expect(attempts[0].latency_ms).toBeGreaterThanOrEqual(290);
    await until('the held request to finish', () => receiver.received.length >= 2);
    await h.dispatcher!.stop();
    h.startDispatcher();
  });

  it("restarting Roster mid-retry loses nothing, and keeps each user's events in order", async () => {
    let down = true;
    const { receiver, id } = await webhookTo(() => (down ? 503 : 200));
    const users = Array.from({ length: 25 }, () => userId(nextUser++));
    for (const u of users) await h.append(`user-${u}`, [created(u, 'First'), renamed('Second')]);
    // Every user's first event has failed at least once; the second waits behind it.
    await until('a failed attempt for every user', async () => {
      const rows = await deliveries(id);
      return rows.length === 50 && rows.filter((r) => r.attempts >= 1).length === 25 ? rows : undefined;
    });

    // The second events wait behind the first, not due until it ends.
    const [blocked] = await h.db
      .knex('webhook_deliveries as d')
      .join('webhook_events as e', 'e.event_id', 'd.event_id')
      .where({ 'd.webhook_id': id, 'e.type': 'user.updated' })
      .whereRaw(`d.next_attempt_at = 'infinity'`)
      .count({ n: '*' });
    expect(Number(blocked?.n)).toBe(25);

    // "Restart": stop the dispatcher and the projector, start new ones on the same database.
    await h.dispatcher!.stop();
    await h.restartProjector();
    down = false;
    h.startDispatcher();
    const rows = await until('all 50 delivered', async () => {
      const r = await deliveries(id);
      return r.every((x) => x.state === 'delivered') && r.length === 50 ? r : undefined;
    });
    expect(rows).toHaveLength(50);
    const ok = receiver.received.filter((r) => r.status === 200).map((r) => decodeJwt(r.body) as { type: string; data: { user: { id: string; first_name: string } } });
    expect(new Set(receiver.received.filter((r) => r.status === 200).map((r) => eventIdOf(r.body))).size).toBe(50);
    for (const u of users) {
      // Over every request the receiver saw (failed ones included), the second event never came before the first was delivered.
      const seen = receiver.received.map((r, i) => ({ i, r, e: decodeJwt<{ type: string; data: { user: { id: string } } }>(r.body) })).filter((x) => x.e.data.user.id === u);
      const firstDelivered = seen.find((x) => x.e.type === 'user.created' && x.r.status === 200)!.i;
      const firstUpdate = seen.find((x) => x.e.type === 'user.updated')!.i;
      expect(firstUpdate).toBeGreaterThan(firstDelivered);
      expect(ok.filter((e) => e.data.user.id === u).map((e) => e.data.user.first_name)).toEqual(['First', 'Second']);
    }
  });

  it('a webhook failing longer than the retry period is marked failing, its deliveries kept; a manual retry sends again', async () => {
    await h.dispatcher!.stop();
    h.startDispatcher({ retryPeriodMs: 200 });
    let down = true;
    const { receiver, id } = await webhookTo(() => (down ? 500 : 200));
    const user = userId(nextUser++);
    await h.append(`user-${user}`, [created(user)]);
    const [failed] = await until('the delivery to give up', async () => {
      const rows = await deliveries(id);
      return rows[0]?.state === 'failed' ? rows : undefined;
    });
    expect(failed.attempts).toBeGreaterThanOrEqual(2);
    const listed = (await h.api('GET', '/api/v1/webhooks')).body.webhooks.find((w: { id: string }) => w.id === id);
    expect(listed.status).toBe('failing');
    const log = (await h.api('GET', `/api/v1/webhooks/${id}/deliveries?state=failed`)).body.deliveries;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ state: 'failed', last_status: 500, next_attempt_on: null });

    // A failed delivery no longer holds back the user's later events.
    await h.append(`user-${user}`, [renamed('Later')]);
    await until(
      'the later event to be attempted',
      async () => (await deliveries(id)).some((r) => r.state === 'pending' && r.attempts > 0) || ((await deliveries(id)).length === 2 && (await deliveries(id))[1].attempts > 0),
    );

    down = false;
    const retried = await h.api('POST', `/api/v1/webhooks/${id}/deliveries/${failed.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.delivery).toMatchObject({ id: String(failed.id), state: 'pending' });
    await until('the retried delivery to be delivered', async () => (await deliveries(id))[0].state === 'delivered');
    const bodies = receiver.received.filter((r) => r.status === 200).map((r) => eventIdOf(r.body));
    expect(bodies).toContain(eventIdOf(receiver.received[0]!.body));
    await until('the webhook to be active again', async () => (await h.api('GET', '/api/v1/webhooks')).body.webhooks.find((w: { id: string }) => w.id === id).status === 'active');
    expect((await h.api('POST', `/api/v1/webhooks/${id}/deliveries/999999/retry`)).status).toBe(404);
    await h.dispatcher!.stop();
    h.startDispatcher();
  });

  it('a slow endpoint holds only its own slots: other webhooks and commands go on', async () => {
    await h.dispatcher!.stop();
    h.startDispatcher({ perWebhookConcurrency: 2, globalConcurrency: 6, requestTimeoutMs: 30_000 });
    const open: (() => void)[] = [];
    const slow = await webhookTo(() => new Promise<number>((resolve) => open.push(() => resolve(200))), ['user.created']);
    const fast = await webhookTo(() => 200, ['user.created']);
    const users = Array.from({ length: 20 }, () => userId(nextUser++));
    const started = Date.now();
    for (const u of users) await h.append(`user-${u}`, [created(u)]);
    const appendMs = Date.now() - started;
    await until('the fast webhook to get all 20', () => fast.receiver.received.length >= 20);
    expect(slow.receiver.received).toHaveLength(0);
    expect(open.length).toBeLessThanOrEqual(2);
    expect(appendMs).toBeLessThan(10_000);
    // Release the slow endpoint: everything arrives.
    const drain = setInterval(() => open.splice(0).forEach((f) => f()), 10);
    try {
      await until('the slow webhook to get all 20', () => slow.receiver.received.length >= 20);
    } finally {
      clearInterval(drain);
    }
    await h.dispatcher!.stop();
    h.startDispatcher();
  });

  it('two dispatchers on one database never send the same delivery twice while both are healthy', async () => {
    const { receiver, id } = await webhookTo(() => 200, ['user.created']);
    const second = startWebhookDispatcher({
      knex: h.db.knex,
      signer: h.signer,
      logger: createLogger('silent'),
      config: { webhooks: { allowedHosts: LOOPBACK_ALLOWED, retryHours: 72 } },
      options: DISPATCH_FAST,
    });
    try {
      const users = Array.from({ length: 200 }, () => userId(nextUser++));
      for (let i = 0; i < users.length; i += 50) {
        await h.db.store.appendToStreams(
          users.slice(i, i + 50).map((u) => ({ streamId: `user-${u}`, expectedRevision: 'no_stream' as const, events: toEventData(`user-${u}`, 0, [created(u)], h.ctx('api')) })),
        );
      }
      await until('all 200 delivered', async () => (await deliveries(id)).filter((r) => r.state === 'delivered').length === 200);
      expect(receiver.received).toHaveLength(200);
      expect(new Set(receiver.received.map((r) => eventIdOf(r.body))).size).toBe(200);
      expect((await deliveries(id)).every((r) => r.attempts === 1)).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('the allow-list is enforced when sending too: a delivery to a host no longer allowed fails without retries', async () => {
    const { receiver, id } = await webhookTo(() => 200, ['user.created']);
    await h.dispatcher!.stop();
    h.startDispatcher({}, ['hooks.example.com']);
    const user = userId(nextUser++);
    await h.append(`user-${user}`, [created(user)]);
    const [row] = await until('the delivery to fail', async () => {
      const rows = await deliveries(id);
      return rows[0]?.state === 'failed' ? rows : undefined;
    });
    expect(row).toMatchObject({
      attempts: 1,
      last_error: 'endpoint host 127.0.0.1: 127.0.0.1 is a loopback address; list the host or its network in ROSTER_WEBHOOK_ALLOWED_HOSTS to allow it',
    });
    expect(receiver.received).toHaveLength(0);
    await h.dispatcher!.stop();
    h.startDispatcher();
  });
});

describe('webhook endpoint allow-list', () => {
  it('refuses to create a webhook for a local address outside ROSTER_WEBHOOK_ALLOWED_HOSTS', async () => {
    const h = await startHarness({ allowedHosts: ['hooks.example.com', '*.partners.example.com'] });
    try {
      const refused = await h.api('POST', '/api/v1/webhooks', { name: 'x', endpoint: 'http://127.0.0.1:9/hook', event_types: ['user.created'] });
      expect(refused).toEqual({
        status: 400,
        body: {
          errors: [
            {
              code: 'WEBHOOK_ENDPOINT_NOT_ALLOWED',
              message: 'endpoint host 127.0.0.1: 127.0.0.1 is a loopback address; list the host or its network in ROSTER_WEBHOOK_ALLOWED_HOSTS to allow it',
            },
          ],
        },
      });
      const allowed = await h.api('POST', '/api/v1/webhooks', { name: 'x', endpoint: 'https://crm.partners.example.com/hook', event_types: ['user.created'] });
      expect(allowed.status).toBe(200);
    } finally {
      await h.close();
    }
  });
});
