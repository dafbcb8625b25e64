import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, startReceiver, until, type Harness, type Receiver } from './harness';

/**
 * The outbox is a projection: replaying the feed (a rebuild from position zero)
 * gives the same snapshots and queues nothing twice, and a webhook receives only
 * the events after its creation in the feed.
 */
const HASH = '$2a$10$CwTycUXWue0Thq9StjUM0uJ8Cq9I3p6ZrUeTWx2N7EeYq1f6M1p6W';
const userId = (n: number) => `kp_${(0xc00 + n).toString(16).padStart(32, '0')}`;
const created = (id: string) => ({
  type: 'UserCreated',
  data: { userId: id, firstName: 'Ada', identities: [{ id: `identity_${id}`, type: 'email', identity: `${id}@example.com`, isVerified: true, isPrimary: true }], organizations: [] },
});

describe('webhook outbox projection', () => {
  let h: Harness;
  let receiver: Receiver;
  let later: Receiver;

  beforeAll(async () => {
    h = await startHarness();
    [receiver, later] = await Promise.all([startReceiver(), startReceiver()]);
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([receiver, later].map((r) => r?.close()));
  });

  it('a rebuild replays the feed without queueing or sending anything twice', async () => {
    const first = await h.api('POST', '/api/v1/webhooks', { name: 'first', endpoint: receiver.url, event_types: ['user.created', 'user.updated'] });
    for (let i = 0; i < 5; i++) await h.append(`user-${userId(i)}`, [created(userId(i))]);
    const second = await h.api('POST', '/api/v1/webhooks', { name: 'second', endpoint: later.url, event_types: ['user.created', 'user.updated'] });
    for (let i = 5; i < 8; i++) await h.append(`user-${userId(i)}`, [created(userId(i))]);
    // A stored password never reaches the outbox's snapshots.
    await h.append(`user-${userId(1)}`, [{ type: 'UserPasswordSet', data: { password: { method: 'bcrypt', hash: HASH }, isTemporary: false } }]);
    const last = await h.append(`user-${userId(0)}`, [{ type: 'UserUpdated', data: { lastName: 'Lovelace' } }]);
    expect(await h.projector.waitFor(last, 10_000)).toBe(true);

    h.startDispatcher();
    await until('all deliveries sent', async () => {
      const rows = await h.db.knex('webhook_deliveries').whereNot({ state: 'delivered' });
      return rows.length === 0 && receiver.received.length === 9 && later.received.length === 4;
    });
    const deliveriesBefore = await h.db.knex('webhook_deliveries').orderBy('id').select('id', 'webhook_id', 'event_id', 'state', 'attempts');
    expect(deliveriesBefore.filter((d) => d.webhook_id === first.body.webhook.id)).toHaveLength(9);
    // The second webhook was created after users 0-4: it gets users 5-7 and user 0's update only.
    expect(deliveriesBefore.filter((d) => d.webhook_id === second.body.webhook.id)).toHaveLength(4);
    const snapshotsBefore = await h.db.knex('webhook_user_snapshots_v2').orderBy('user_id');
    expect(snapshotsBefore).toHaveLength(8);
    expect(JSON.stringify(snapshotsBefore)).not.toContain(HASH.slice(7));
    expect(snapshotsBefore.every((r) => !('password' in r.state))).toBe(true);

    await h.projector.rebuild('webhook_outbox');

    expect(await h.db.knex('webhook_deliveries').orderBy('id').select('id', 'webhook_id', 'event_id', 'state', 'attempts')).toEqual(deliveriesBefore);
    expect(await h.db.knex('webhook_user_snapshots_v2').orderBy('user_id')).toEqual(snapshotsBefore);
    expect((await h.api('GET', '/api/v1/webhooks')).body.webhooks.map((w: { name: string }) => w.name)).toEqual(['first', 'second']);

    // Still live after the swap: a new event is queued once and sent.
    await h.append(`user-${userId(9)}`, [created(userId(9))]);
    await until('the next event reaches both webhooks', () => receiver.received.length === 10 && later.received.length === 5);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(10);
  });
});
