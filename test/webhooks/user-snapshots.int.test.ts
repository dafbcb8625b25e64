import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/commands/context';
import { toEventData } from '../../src/commands/handle';
import { createOrganization, ensureDefaults } from '../../src/commands/organizations';
import { createPermission, createRole } from '../../src/commands/roles';
import { assignRole, createUser, grantPermission, updateUser } from '../../src/commands/users';
import type { StreamAppend } from '../../src/eventstore/types';
import { physicalNames } from '../../src/projections/projection';
import { createWebhookOutboxProjection } from '../../src/webhooks/outbox-projection';
import { startHarness, startReceiver, until, type Harness, type Receiver } from './harness';

/**
 * The outbox's user snapshots are a cache: a user gets one only when a webhook
 * receives one of its events that carries the whole user. A webhook created after
 * a user's first events gets that user folded from the event store; an import no
 * webhook asked for writes nothing.
 */
const SNAPSHOTS = 'webhook_user_snapshots_v2';
const settle = async (h: Harness) => expect(await h.projector.waitFor(await h.db.store.headPosition(), 30_000)).toBe(true);
const count = async (h: Harness, table: string) => Number((await h.db.knex(table).count({ n: '*' }).first())!.n);

describe('a webhook created after a user has 3 events', () => {
  let h: Harness;
  let receiver: Receiver;
  let ada: string;
  let bob: string;
  let ids: { org: string; role: string; perm: string };
  let snapshotsBeforeWebhook: number;

  beforeAll(async () => {
    h = await startHarness();
    receiver = await startReceiver();
    const { store } = h.db;
    const api = h.ctx('api');
    await ensureDefaults(store, systemContext());
    const perm = await createPermission(store, api, { key: 'read:reports', name: 'Read reports' });
    const role = await createRole(store, api, { key: 'manager', name: 'Manager', permissionIds: [perm.permissionId] });
    const org = await createOrganization(store, api, { name: 'Acme' });
    ids = { org: org.orgCode, role: role.roleId, perm: perm.permissionId };
    // Given: Ada's three events and Bob's two, folded by the outbox before any webhook exists.
    ada = (await createUser(store, api, { firstName: 'Ada', lastName: 'Lovelace', identities: [{ type: 'email', identity: 'ada@example.com' }], orgCodes: [org.orgCode] })).userId;
    await assignRole(store, api, ada, org.orgCode, role.roleId);
    await grantPermission(store, api, ada, org.orgCode, perm.permissionId);
    bob = (await createUser(store, api, { firstName: 'Bob', identities: [{ type: 'email', identity: 'bob@example.com' }] })).userId;
    await updateUser(store, api, bob, { lastName: 'Bee' });
    expect(await store.readStream(`user-${ada}`)).toHaveLength(3);
    await settle(h);
    snapshotsBeforeWebhook = await count(h, SNAPSHOTS);

    // When: a webhook for user.updated is created, then Ada changes twice.
    expect((await h.api('POST', '/api/v1/webhooks', { name: 'late', endpoint: receiver.url, event_types: ['user.updated'] })).status).toBe(200);
    await updateUser(store, api, ada, { lastName: 'Byron' });
    await updateUser(store, api, ada, { lastName: 'King' });
    await settle(h);
    h.startDispatcher();
    await until('both updates delivered', () => receiver.received.length >= 2);
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it('receives user.updated with the whole user, folded from the event store; then the snapshot is kept current', async () => {
    expect(snapshotsBeforeWebhook).toBe(0);
    const events = receiver.received.map((r) => decodeJwt(r.body) as { type: string; source: string; data: { user: Record<string, unknown> } });
    const user = (lastName: string) => ({
      email: 'ada@example.com',
      first_name: 'Ada',
      id: ada,
      is_password_reset_requested: false,
      is_suspended: false,
      last_name: lastName,
      organizations: [{ code: ids.org, roles: ['manager'], permissions: [{ id: ids.perm, key: 'read:reports' }] }],
      phone: null,
      username: '',
    });
    expect(events.map((e) => [e.type, e.source, e.data.user])).toEqual([
      ['user.updated', 'api', user('Byron')],
      ['user.updated', 'api', user('King')],
    ]);
    // Only Ada has a snapshot (Bob's events reached no webhook), at her last revision, without a password.
    const rows = await h.db.knex(SNAPSHOTS).select('user_id', 'revision', 'state');
    expect(rows.map((r) => [r.user_id, r.revision])).toEqual([[ada, 4]]);
    expect(rows[0].state).toMatchObject({ userId: ada, lastName: 'King', status: 'active' });
    expect(rows[0].state).not.toHaveProperty('password');
    expect(await h.db.knex('webhook_events').where({ ordering_key: `user-${bob}` })).toHaveLength(0);
  });

  it('replaying the whole feed changes no row: not even Bob, whose events came before the webhook', async () => {
    const tables = async () => ({
      deliveries: await h.db.knex('webhook_deliveries').orderBy('id').select('id', 'webhook_id', 'event_id', 'ordering_key'),
      events: await h.db.knex('webhook_events').orderBy('event_id').select('event_id', 'payload'),
      users: await h.db.knex(SNAPSHOTS).orderBy('user_id'),
      roles: await h.db.knex('webhook_role_snapshots_v2').orderBy('role_id'),
      configs: await h.db.knex('webhook_configs_v2').orderBy('webhook_id'),
    });
    const before = await tables();
    const projection = createWebhookOutboxProjection(h.db.store);
    const generation = (await h.projector.status()).find((s) => s.name === projection.name)!.generation;
    const events = await h.db.store.readAll('start', 10_000);
    await h.db.knex.transaction((trx) => projection.apply(trx, events, physicalNames(projection, generation)));
    expect(await tables()).toEqual(before);
    expect(before.deliveries).toHaveLength(2);
  });
});

describe('an import no webhook receives', () => {
  let h: Harness;
  let receiver: Receiver;
  const imported = (from: number, n: number): StreamAppend[] =>
    Array.from({ length: n }, (_, i) => {
      const userId = `kp_${(0xe000000 + from + i).toString(16).padStart(32, '0')}`;
      const streamId = `user-${userId}`;
      const data = {
        userId,
        isNew: true,
        mode: 'merge',
        identities: [{ id: `identity_${from + i}`, type: 'email', identity: `i${from + i}@example.com`, isVerified: true, isPrimary: true }],
        organizations: [],
        properties: {},
        featureFlags: {},
      };
      return { streamId, expectedRevision: 'no_stream', events: toEventData(streamId, 0, [{ type: 'UserImported', data }], h.ctx('import')) };
    });

  beforeAll(async () => {
    h = await startHarness();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it('writes no user snapshot and no webhook event; once a webhook includes imported users, each one it receives gets a snapshot', async () => {
    const N = 1000;
    for (let i = 0; i < N; i += 500) await h.db.store.appendToStreams(imported(i, 500));
    await settle(h);
    expect(await count(h, SNAPSHOTS)).toBe(0);
    expect(await count(h, 'webhook_events')).toBe(0);

    // A webhook that does not include imported users changes nothing.
    expect((await h.api('POST', '/api/v1/webhooks', { name: 'no imports', endpoint: receiver.url, event_types: ['user.created'] })).status).toBe(200);
    await h.db.store.appendToStreams(imported(N, 10));
    await settle(h);
    expect(await count(h, SNAPSHOTS)).toBe(0);

    expect((await h.api('POST', '/api/v1/webhooks', { name: 'imports', endpoint: receiver.url, event_types: ['user.created'], include_imported_users: true })).status).toBe(200);
    await h.db.store.appendToStreams(imported(N + 10, 10));
    await settle(h);
    expect(await count(h, SNAPSHOTS)).toBe(10);
    expect(await count(h, 'webhook_events')).toBe(10);
  });
});
