import { decodeWebhook } from '@kinde/webhooks';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES } from '../../src/domain/webhook/event-types';
import { startHarness, startReceiver, until, type Harness, type Receiver } from './harness';

/**
 * Every event type, delivered to a real local receiver and verified with
 * Kinde's own decoder, which fetches `<baseUrl>/.well-known/jwks.json` from the
 * in-process Roster and checks the RS256 signature.
 *
 * Kinde docs ("Send user invitations with webhooks"): the product receives
 * `user.created` with source `admin` or `api`, verifies it, answers 2xx, and
 * de-duplicates by event id.
 */
const USER_API = 'kp_0000000000000000000000000000000a';
const USER_ADMIN = 'kp_0000000000000000000000000000000b';
const USER_SELF = 'kp_0000000000000000000000000000000c';
const USER_IMPORTED = 'kp_0000000000000000000000000000000d';
const ORG = 'org_aa11bb22';
const email = (id: string, value: string, primary = true) => ({ id, type: 'email', identity: value, isVerified: true, isPrimary: primary });
const counts = { rows: 3, rows_failed: 1, rows_with_warnings: 0, users_created: 2, users_updated: 0, users_unchanged: 0, users_skipped: 0 };

describe('webhook delivery, verified with @kinde/webhooks', () => {
  let h: Harness;
  let all: Receiver;
  let createdOnly: Receiver;
  let late: Receiver;
  let webhookAll: string;
  let webhookCreatedOnly: string;

  beforeAll(async () => {
    h = await startHarness();
    [all, createdOnly, late] = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
    const a = await h.api('POST', '/api/v1/webhooks', { name: 'Everything', endpoint: all.url, event_types: [...WEBHOOK_EVENT_TYPES], include_imported_users: true });
    const b = await h.api('POST', '/api/v1/webhooks', { name: 'Invitations', endpoint: createdOnly.url, event_types: ['user.created'], description: 'send invites' });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body).toEqual({ code: 'OK', message: 'Webhook created', webhook: { id: expect.stringMatching(/^webhook_[0-9a-f]{32}$/), endpoint: all.url } });
    webhookAll = a.body.webhook.id;
    webhookCreatedOnly = b.body.webhook.id;
    h.startDispatcher();

    // The domain's events, as the commands record them (validated against the catalogue).
    await h.append(`organization-${ORG}`, [{ type: 'OrganizationCreated', data: { orgCode: ORG, name: 'Acme', externalId: 'acme-1', isDefault: false } }]);
    await h.append('permission-perm_read', [
      { type: 'PermissionCreated', data: { permissionId: 'perm_read', key: 'read:reports', name: 'Read reports', description: 'Reports', addToNewRoles: false } },
    ]);
    await h.append('role-role_admin', [
      { type: 'RoleCreated', data: { roleId: 'role_admin', key: 'admin', name: 'Admin', description: 'Admins', assignToNewUsers: false, permissionIds: ['perm_read'] } },
    ]);
    const membership = [{ orgCode: ORG, roleIds: ['role_admin'], permissionIds: ['perm_read'] }];
    await h.append(
      `user-${USER_API}`,
      [{ type: 'UserCreated', data: { userId: USER_API, firstName: 'Ada', lastName: 'Lovelace', identities: [email('identity_a', 'ada@example.com')], organizations: membership } }],
      'api',
    );
    await h.append(`user-${USER_ADMIN}`, [{ type: 'UserCreated', data: { userId: USER_ADMIN, identities: [email('identity_b', 'bob@example.com')], organizations: [] } }], 'admin');
    await h.append(`user-${USER_SELF}`, [{ type: 'UserSignedUp', data: { userId: USER_SELF, identities: [email('identity_c', 'cy@example.com')], organizations: [] } }], 'self');
    await h.append(`user-${USER_API}`, [{ type: 'UserUpdated', data: { firstName: 'Augusta' } }], 'api');
    await h.append(`user-${USER_API}`, [{ type: 'UserSignInSucceeded', data: { method: 'password', identityId: 'identity_a' } }], 'self');
    await h.append(`user-${USER_API}`, [{ type: 'UserSignInFailed', data: { method: 'password', identityId: 'identity_a', reason: 'wrong_password' } }], 'self');
    await h.append(`organization-${ORG}`, [{ type: 'OrganizationUpdated', data: { name: 'Acme Inc' } }]);
    await h.append('role-role_admin', [{ type: 'RoleUpdated', data: { name: 'Administrators' } }]);
    await h.append('permission-perm_read', [{ type: 'PermissionUpdated', data: { name: 'Read all reports' } }]);
    await h.append('subscriber-sub_1', [{ type: 'SubscriberAdded', data: { subscriberId: 'sub_1', email: 'sam@example.com', firstName: 'Sam' } }]);
    await h.append('import-imp_1', [{ type: 'ImportStarted', data: { importId: 'imp_1', format: 'csv', checksum: 'c0ffee', totalBytes: 120, columns: ['email'], fileWarnings: [] } }], 'admin');
    await h.append(
      `user-${USER_IMPORTED}`,
      [
        {
          type: 'UserImported',
          data: { userId: USER_IMPORTED, isNew: true, mode: 'merge', identities: [email('identity_d', 'dee@example.com')], organizations: [], properties: {}, featureFlags: {} },
        },
      ],
      'import',
    );
    await h.append('import-imp_1', [{ type: 'ImportCompleted', data: { importId: 'imp_1', counts } }], 'admin');
    await h.append('import-imp_2', [{ type: 'ImportFailed', data: { importId: 'imp_2', errors: [], counts } }], 'admin');
    await h.append(`user-${USER_API}`, [{ type: 'UserDeleted', data: { removedFromOrganizations: [ORG], releasedEmails: ['ada@example.com'], releasedUsernames: [], releasedPhones: [] } }], 'admin');
    await h.append('role-role_admin', [{ type: 'RoleDeleted', data: { key: 'admin' } }]);
    await h.append('permission-perm_read', [{ type: 'PermissionDeleted', data: { key: 'read:reports' } }]);
    await h.append(`organization-${ORG}`, [{ type: 'OrganizationDeleted', data: { externalId: 'acme-1' } }]);
    await until('21 deliveries to the catch-all webhook', () => all.received.length >= 21);
    await until('3 deliveries to the user.created webhook', () => createdOnly.received.length >= 3);
  });

  afterAll(async () => {
    await h?.close();
    await Promise.all([all, createdOnly, late].map((r) => r?.close()));
  });

  const decodedAll = async (r: Receiver) => Promise.all(r.received.map((x) => decodeWebhook<Record<string, any>>(x.body, h.baseUrl)));

  it("delivers every event type as a JWT that decodeWebhook verifies against Roster's JWKS", async () => {
    const events = await decodedAll(all);
    expect(events.every((e) => e !== null)).toBe(true);
    expect(new Set(events.map((e) => e!.type))).toEqual(new Set(WEBHOOK_EVENT_TYPES));
    expect(all.received.every((r) => r.contentType === 'application/jwt')).toBe(true);
    const jwks = (await (await fetch(`${h.baseUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(all.received.every((r) => jwks.keys.some((k) => k.kid === decodeProtectedHeader(r.body).kid))).toBe(true);
    for (const e of events) {
      expect(Object.keys(e!).sort()).toEqual(['data', 'event_id', 'source', 'timestamp', 'type']);
      expect(e!.event_id).toMatch(/^event_[0-9a-f]{32}$/);
      expect(new Date(e!.timestamp).toISOString()).toBe(e!.timestamp);
    }
  });

  it('a tampered body does not verify', async () => {
    const body = all.received[0]!.body;
    const [header, payload, signature] = body.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), source: 'admin', type: 'user.deleted' })).toString('base64url');
    expect(await decodeWebhook(`${header}.${forged}.${signature}`, h.baseUrl)).toBeNull();
  });

  it('user.created carries the Kinde user shape, with role keys and permissions, and the source admin | api | user', async () => {
    const created = (await decodedAll(all)).filter((e) => e!.type === 'user.created');
    const bySource = Object.fromEntries(created.map((e) => [e!.data.user.id, e!.source]));
    expect(bySource).toEqual({ [USER_API]: 'api', [USER_ADMIN]: 'admin', [USER_SELF]: 'user', [USER_IMPORTED]: 'import' });
    expect(created.find((e) => e!.data.user.id === USER_API)!.data).toEqual({
      user: {
        email: 'ada@example.com',
        first_name: 'Ada',
        id: USER_API,
        is_password_reset_requested: false,
        is_suspended: false,
        last_name: 'Lovelace',
        organizations: [{ code: ORG, roles: ['admin'], permissions: [{ id: 'perm_read', key: 'read:reports' }] }],
        phone: null,
        username: '',
      },
    });
  });

  it('payloads of the other types match @kinde/webhooks', async () => {
    const byType = new Map((await decodedAll(all)).map((e) => [e!.type, e!]));
    expect(byType.get('user.updated')!.data.user).toMatchObject({ id: USER_API, first_name: 'Augusta', last_name: 'Lovelace' });
    expect(byType.get('user.authenticated')).toMatchObject({ source: 'user', data: { user: { id: USER_API } } });
    expect(byType.get('user.authentication_failed')).toMatchObject({ source: 'user', data: { user: { id: USER_API } } });
    expect(byType.get('user.deleted')!.data).toEqual({ user: { id: USER_API } });
    expect(byType.get('organization.created')!.data).toEqual({ organization: { code: ORG, external_id: 'acme-1', handle: '', name: 'Acme' } });
    expect(byType.get('organization.updated')!.data).toEqual({ organization: { code: ORG, external_id: 'acme-1', handle: '', is_allow_registrations: false, name: 'Acme Inc' } });
    expect(byType.get('organization.deleted')!.data).toEqual({ organization: { code: ORG } });
    expect(byType.get('role.created')!.data).toEqual({ role: { description: 'Admins', id: 'role_admin', is_default_role: false, key: 'admin', name: 'Admin' } });
    expect(byType.get('role.updated')!.data.role).toMatchObject({ id: 'role_admin', name: 'Administrators' });
    expect(byType.get('role.deleted')!.data).toEqual({ role: { id: 'role_admin' } });
    expect(byType.get('permission.created')!.data).toEqual({ permission: { description: 'Reports', id: 'perm_read', key: 'read:reports', name: 'Read reports' } });
    expect(byType.get('permission.updated')!.data.permission).toMatchObject({ id: 'perm_read', name: 'Read all reports' });
    expect(byType.get('permission.deleted')!.data).toEqual({ permission: { id: 'perm_read' } });
    expect(byType.get('subscriber.created')!.data).toEqual({ subscriber: { email: 'sam@example.com', first_name: 'Sam', id: 'sub_1', last_name: '', user_id: '' } });
    expect(byType.get('import.started')!.data).toEqual({ import: { id: 'imp_1', status: 'started', format: 'csv' } });
    expect(byType.get('import.completed')!.data).toEqual({ import: { id: 'imp_1', status: 'completed', counts } });
    expect(byType.get('import.failed')!.data).toEqual({ import: { id: 'imp_2', status: 'failed', counts, error_count: 0 } });
  });

  it("delivers one stream's events in order", async () => {
    const userTypes = (await decodedAll(all)).filter((e) => e!.data.user?.id === USER_API).map((e) => e!.type);
    expect(userTypes).toEqual(['user.created', 'user.updated', 'user.authenticated', 'user.authentication_failed', 'user.deleted']);
  });

  it('imported users reach only webhooks that opted in', async () => {
    // Delivery order is guaranteed per user, not across users.
    const invited = (await decodedAll(createdOnly)).map((e) => [e!.data.user.id, e!.source]).sort();
    expect(invited).toEqual(
      [
        [USER_API, 'api'],
        [USER_ADMIN, 'admin'],
        [USER_SELF, 'user'],
      ].sort(),
    );
  });

  it('GET /api/v1/events/{event_id} returns the event exactly as delivered', async () => {
    const [first] = await decodedAll(all);
    const res = await h.api('GET', `/api/v1/events/${first!.event_id}`);
    expect(res).toEqual({ status: 200, body: { code: 'OK', message: 'Success', event: first } });
    expect((await h.api('GET', '/api/v1/events/event_00000000000000000000000000000000')).status).toBe(404);
  });

  it('records every attempt, visible in the delivery log', async () => {
    const res = await h.api('GET', `/api/v1/webhooks/${webhookCreatedOnly}/deliveries`);
    expect(res.status).toBe(200);
    expect(res.body.deliveries).toHaveLength(3);
    for (const d of res.body.deliveries) {
      expect(d).toMatchObject({ webhook_id: webhookCreatedOnly, event_type: 'user.created', state: 'delivered', attempt_count: 1, last_status: 200, last_error: null });
      expect(d.attempts).toEqual([{ attempt: 1, attempted_on: expect.any(String), outcome: 'delivered', status_code: 200, latency_ms: expect.any(Number), error: null }]);
    }
  });

  it("lists, updates and deletes webhooks in Kinde's shapes; a webhook receives only events after its creation", async () => {
    const list = await h.api('GET', '/api/v1/webhooks');
    expect(list.body.webhooks.map((w: { id: string }) => w.id)).toEqual([webhookAll, webhookCreatedOnly]);
    expect(list.body.webhooks[1]).toEqual({
      id: webhookCreatedOnly,
      name: 'Invitations',
      endpoint: createdOnly.url,
      description: 'send invites',
      event_types: ['user.created'],
      created_on: expect.any(String),
      include_imported_users: false,
      status: 'active',
    });
    const patched = await h.api('PATCH', `/api/v1/webhooks/${webhookCreatedOnly}`, { name: 'Invites', event_types: ['user.created', 'user.deleted'], description: null });
    expect(patched).toEqual({ status: 200, body: { code: 'OK', message: 'Webhook updated', webhook: { id: webhookCreatedOnly } } });
    const after = (await h.api('GET', '/api/v1/webhooks')).body.webhooks[1];
    expect(after).toMatchObject({ name: 'Invites', event_types: ['user.created', 'user.deleted'] });
    expect(after).not.toHaveProperty('description');

    const c = await h.api('POST', '/api/v1/webhooks', { name: 'Late', endpoint: late.url, event_types: ['user.deleted'] });
    await h.append(`user-${USER_ADMIN}`, [{ type: 'UserDeleted', data: { removedFromOrganizations: [], releasedEmails: ['bob@example.com'], releasedUsernames: [], releasedPhones: [] } }], 'admin');
    await until('the late webhook gets the later user.deleted', () => late.received.length >= 1);
    await until('the updated webhook gets user.deleted', () => createdOnly.received.length >= 4);
    const lateEvents = await decodedAll(late);
    expect(lateEvents.map((e) => e!.data.user.id)).toEqual([USER_ADMIN]);

    expect(await h.api('DELETE', `/api/v1/webhooks/${c.body.webhook.id}`)).toEqual({ status: 200, body: { code: 'OK', message: 'Webhook deleted' } });
    expect((await h.api('DELETE', `/api/v1/webhooks/${c.body.webhook.id}`)).status).toBe(200);
    expect((await h.api('GET', '/api/v1/webhooks')).body.webhooks.map((w: { id: string }) => w.id)).not.toContain(c.body.webhook.id);
    expect((await h.api('GET', `/api/v1/webhooks/${c.body.webhook.id}/deliveries`)).status).toBe(404);
    expect((await h.api('PATCH', '/api/v1/webhooks/webhook_0123456789abcdef', { name: 'x' })).body).toEqual({ errors: [{ code: 'WEBHOOK_NOT_FOUND', message: 'webhook not found' }] });
  });

  it("GET /api/v1/event_types lists Kinde's types and Roster's import events", async () => {
    const res = await h.api('GET', '/api/v1/event_types');
    expect(res.status).toBe(200);
    expect(res.body.event_types.map((t: { code: string }) => t.code)).toEqual([...WEBHOOK_EVENT_TYPES]);
    expect(res.body.event_types[0]).toEqual({ id: 'user.created', code: 'user.created', name: 'User created', origin: 'kinde', schema: {} });
  });

  it.each([
    [{ name: 'x', endpoint: 'ftp://example.com/x', event_types: ['user.created'] }, 'INVALID_WEBHOOK_ENDPOINT'],
    [{ name: 'x', endpoint: 'https://example.com/x', event_types: ['user.teleported'] }, 'UNKNOWN_EVENT_TYPE'],
    [{ name: 'x', endpoint: 'https://example.com/x', event_types: [] }, 'INVALID_REQUEST'],
    [{ name: 'x', endpoint: 'https://example.com/x', event_types: ['user.created'], secret: 1 }, 'INVALID_REQUEST'],
  ])('refuses a bad webhook %j with %s, and records nothing', async (body, code) => {
    const before = (await h.api('GET', '/api/v1/webhooks')).body.webhooks.length;
    const res = await h.api('POST', '/api/v1/webhooks', body);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe(code);
    expect((await h.api('GET', '/api/v1/webhooks')).body.webhooks.length).toBe(before);
  });
});
