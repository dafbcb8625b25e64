import { decodeWebhook } from '@kinde/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/commands/context';
import { ensureDefaults, createOrganization, updateOrganization } from '../../src/commands/organizations';
import { createPermission, createRole, updateRole } from '../../src/commands/roles';
import { addSubscriber } from '../../src/commands/subscribers';
import { assignRole, createUser, deleteUser, grantPermission } from '../../src/commands/users';
import { WEBHOOK_EVENT_TYPES } from '../../src/domain/webhook/event-types';
import { startHarness, startReceiver, until, type Harness, type Receiver } from './harness';

/**
 * The same path a product integration sees: Roster's own command handlers
 * (users, organizations, roles, permissions, subscribers) -> events -> outbox ->
 * a signed delivery that Kinde's decoder accepts.
 */
describe('webhooks from the command handlers', () => {
  let h: Harness;
  let receiver: Receiver;

  beforeAll(async () => {
    h = await startHarness();
    receiver = await startReceiver();
    await ensureDefaults(h.db.store, systemContext());
    const res = await h.api('POST', '/api/v1/webhooks', { name: 'all', endpoint: receiver.url, event_types: [...WEBHOOK_EVENT_TYPES] });
    expect(res.status).toBe(200);
    h.startDispatcher();
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it('user.created (source api and admin), user.updated with role keys and permissions, and the rest', async () => {
    const { store } = h.db;
    const api = h.ctx('api');
    const admin = h.ctx('admin');
    const perm = await createPermission(store, api, { key: 'read:reports', name: 'Read reports' });
    const role = await createRole(store, api, { key: 'manager', name: 'Manager', permissionIds: [perm.permissionId] });
    const org = await createOrganization(store, api, { name: 'Acme', externalId: 'acme-9' });
    const ada = await createUser(store, api, { firstName: 'Ada', lastName: 'Lovelace', identities: [{ type: 'email', identity: 'Ada@Example.com' }], orgCodes: [org.orgCode] });
    const bob = await createUser(store, admin, { firstName: 'Bob', identities: [{ type: 'email', identity: 'bob@example.com' }], orgCodes: [org.orgCode] });
    await assignRole(store, api, ada.userId, org.orgCode, role.roleId);
    await grantPermission(store, api, ada.userId, org.orgCode, perm.permissionId);
    await updateRole(store, api, role.roleId, { name: 'Managers' });
    await updateOrganization(store, api, org.orgCode, { name: 'Acme Inc' });
    await addSubscriber(store, api, { email: 'sub@example.com', firstName: 'Sub' });
    await deleteUser(store, admin, bob.userId, 'delete_profile');

    const expected = [
      'permission.created',
      'role.created',
      'organization.created',
      'user.created',
      'user.created',
      'user.updated',
      'user.updated',
      'role.updated',
      'organization.updated',
      'subscriber.created',
      'user.deleted',
    ];
    await until('every command to reach the receiver', () => receiver.received.length >= expected.length);
    const events = await Promise.all(receiver.received.map((r) => decodeWebhook<Record<string, any>>(r.body, h.baseUrl)));
    expect(events.every((e) => e !== null)).toBe(true);
    // Different streams may interleave; compare as multisets, and order within Ada's stream.
    expect(events.map((e) => e!.type).sort()).toEqual([...expected].sort());
    const adaEvents = events.filter((e) => e!.data.user?.id === ada.userId);
    expect(adaEvents.map((e) => [e!.type, e!.source])).toEqual([
      ['user.created', 'api'],
      ['user.updated', 'api'],
      ['user.updated', 'api'],
    ]);
    expect(adaEvents[2]!.data.user).toEqual({
      email: 'Ada@Example.com',
      first_name: 'Ada',
      id: ada.userId,
      is_password_reset_requested: false,
      is_suspended: false,
      last_name: 'Lovelace',
      organizations: [{ code: org.orgCode, roles: ['manager'], permissions: [{ id: perm.permissionId, key: 'read:reports' }] }],
      phone: null,
      username: '',
    });
    expect(events.find((e) => e!.type === 'user.created' && e!.data.user.id === bob.userId)!.source).toBe('admin');
    expect(events.find((e) => e!.type === 'user.deleted')!.data).toEqual({ user: { id: bob.userId } });
    expect(events.find((e) => e!.type === 'organization.updated')!.data.organization).toMatchObject({ code: org.orgCode, name: 'Acme Inc', external_id: 'acme-9' });
    expect(events.find((e) => e!.type === 'role.updated')!.data.role).toMatchObject({ id: role.roleId, key: 'manager', name: 'Managers' });
  });
});
