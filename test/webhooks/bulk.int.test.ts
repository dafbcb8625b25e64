import { decodeWebhook } from '@kinde/webhooks';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toEventData } from '../../src/commands/handle';
import type { StreamAppend } from '../../src/eventstore/types';
import { startHarness, startReceiver, until, type Harness, type Receiver } from './harness';

/**
 * 10,000 user creations produce 10,000 user.created deliveries; 1,000 of those
 * users also change twice in the same append, and each user's events arrive in
 * order. The events are appended in bulk through the store, as an import does.
 */
const USERS = 10_000;
const CHANGED = 1_000;
const userId = (n: number) => `kp_${(0xb000000 + n).toString(16).padStart(32, '0')}`;

describe('10,000 user creations', () => {
  let h: Harness;
  let receiver: Receiver;
  let webhookId: string;

  beforeAll(async () => {
    h = await startHarness();
    receiver = await startReceiver();
    const res = await h.api('POST', '/api/v1/webhooks', { name: 'bulk', endpoint: receiver.url, event_types: ['user.created', 'user.updated'] });
    webhookId = res.body.webhook.id;
    h.startDispatcher({ perWebhookConcurrency: 32, globalConcurrency: 64, pollIntervalMs: 50 });
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it('produce 10,000 deliveries, in order per user', { timeout: 300_000 }, async () => {
    const ctx = h.ctx('api');
    const appends: StreamAppend[] = Array.from({ length: USERS }, (_, i) => {
      const id = userId(i);
      const streamId = `user-${id}`;
      const events = [
        {
          type: 'UserCreated',
          data: { userId: id, firstName: 'v1', identities: [{ id: `identity_${i}`, type: 'email', identity: `u${i}@example.com`, isVerified: true, isPrimary: true }], organizations: [] },
        },
        ...(i < CHANGED
          ? [
              { type: 'UserUpdated', data: { firstName: 'v2' } },
              { type: 'UserUpdated', data: { firstName: 'v3' } },
            ]
          : []),
      ];
      return { streamId, expectedRevision: 'no_stream', events: toEventData(streamId, 0, events, ctx) };
    });
    for (let i = 0; i < appends.length; i += 500) await h.db.store.appendToStreams(appends.slice(i, i + 500));
    const expected = USERS + 2 * CHANGED;

    await until(
      `${expected} deliveries delivered`,
      async () => {
        const [row] = await h.db.knex('webhook_deliveries').where({ webhook_id: webhookId, state: 'delivered' }).count({ n: '*' });
        return Number(row?.n) === expected;
      },
      280_000,
    );

    const [total] = await h.db.knex('webhook_deliveries').where({ webhook_id: webhookId }).count({ n: '*' });
    expect(Number(total?.n)).toBe(expected);
    const events = receiver.received.filter((r) => r.status === 200).map((r) => decodeJwt(r.body) as { event_id: string; type: string; data: { user: { id: string; first_name: string } } });
    expect(new Set(events.map((e) => e.event_id)).size).toBe(expected);
    expect(events.filter((e) => e.type === 'user.created')).toHaveLength(USERS);

    const perUser = new Map<string, string[]>();
    for (const e of events) perUser.set(e.data.user.id, [...(perUser.get(e.data.user.id) ?? []), `${e.type}:${e.data.user.first_name}`]);
    expect(perUser.size).toBe(USERS);
    for (let i = 0; i < USERS; i++) {
      const seen = perUser.get(userId(i));
      if (i < CHANGED) expect(seen).toEqual(['user.created:v1', 'user.updated:v2', 'user.updated:v3']);
      else expect(seen).toEqual(['user.created:v1']);
    }

    // A sample verified end to end with Kinde's decoder.
    for (const r of receiver.received.slice(0, 20)) expect(await decodeWebhook(r.body, h.baseUrl)).not.toBeNull();
  });
});
