import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type CommandContext } from '../../src/commands/context';
import { DEFAULT_ORG_CODE, createOrganization, ensureDefaults, updateOrganization } from '../../src/commands/organizations';
import { createPermission, createRole, deleteRole } from '../../src/commands/roles';
import { addSubscriber, convertSubscriberToUser } from '../../src/commands/subscribers';
import { addIdentity, addUserToOrganization, assignRole, createUser, deleteUser, grantPermission, loadUser, suspendUser, updateUser } from '../../src/commands/users';
import { DomainError } from '../../src/domain/errors';
import { streams } from '../../src/domain/streams';
import { uniqueKey, type EventStore } from '../../src/eventstore/types';
import { createTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
let store: EventStore;
const admin = (over: Partial<CommandContext> = {}) => createContext({ actor: { type: 'admin', id: 'admin-1' }, source: 'admin', ip: '203.0.113.7', userAgent: 'vitest', ...over });

beforeAll(async () => {
  db = await createTestDatabase();
  store = db.store;
  await ensureDefaults(store, createContext({ actor: { type: 'system' }, source: 'system' }));
});
afterAll(async () => {
  await db?.close();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return 'NO_ERROR';
}

describe('defaults', () => {
  it('ensureDefaults is idempotent and creates the default organization once', async () => {
    const before = await store.stats();
    const again = await ensureDefaults(store, createContext({ actor: { type: 'system' }, source: 'system' }));
    expect(again.defaultOrgCode).toBe(DEFAULT_ORG_CODE);
    expect((await store.stats()).events).toBe(before.events);
    expect(await store.readStream(streams.organization(DEFAULT_ORG_CODE))).toHaveLength(1);
  });
});

describe('users against the real store', () => {
  it('creates a user in the default organization, stamping who, when and where from', async () => {
    const ctx = admin({ occurredAt: '2024-03-03T10:00:00.000Z' });
    const { userId, position } = await createUser(store, ctx, { firstName: 'Rosy', identities: [{ type: 'email', identity: 'rosy@example.com' }] });
    expect(position).not.toBeNull();
    const [event] = await store.readStream(streams.user(userId));
    expect(event!.type).toBe('UserCreated');
    expect(event!.metadata).toMatchObject({ actor: { type: 'admin', id: 'admin-1' }, source: 'admin', occurredAt: '2024-03-03T10:00:00.000Z', ip: '203.0.113.7', userAgent: 'vitest' });
    const state = await loadUser(store, userId);
    expect(state.status === 'active' && Object.keys(state.organizations)).toEqual([DEFAULT_ORG_CODE]);
  });

  it('email and username are unique case-insensitively', async () => {
    await createUser(store, admin(), {
      identities: [
        { type: 'email', identity: 'Case@Example.com' },
        { type: 'username', identity: 'RosyRose' },
      ],
    });
    expect(await codeOf(createUser(store, admin(), { identities: [{ type: 'email', identity: 'case@EXAMPLE.com' }] }))).toBe('EMAIL_TAKEN');
    expect(await codeOf(createUser(store, admin(), { identities: [{ type: 'username', identity: 'rosyrose' }] }))).toBe('USERNAME_TAKEN');
    expect(await codeOf(createUser(store, admin(), { identities: [{ type: 'phone', identity: '+61400000001' }], providedId: 'p-1' }))).toBe('NO_ERROR');
    expect(await codeOf(createUser(store, admin(), { identities: [{ type: 'phone', identity: '+61400000001' }] }))).toBe('PHONE_TAKEN');
    expect(await codeOf(createUser(store, admin(), { identities: [{ type: 'email', identity: 'x1@example.com' }], providedId: 'p-1' }))).toBe('PROVIDED_ID_TAKEN');
  });

  it('many concurrent creations of the same email: exactly one wins', async () => {
    const attempts = 20;
    const results = await Promise.allSettled(
      Array.from({ length: attempts }, (_, i) => createUser(store, admin(), { firstName: `N${i}`, identities: [{ type: 'email', identity: 'race@example.com' }] })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((r) => (r.reason as DomainError).code)).toEqual(Array(attempts - 1).fill('EMAIL_TAKEN'));
    const owners = await store.uniqueOwners([{ kind: 'email', value: 'race@example.com' }]);
    expect(owners.get(uniqueKey('email', 'race@example.com'))).toBe((won[0] as PromiseFulfilledResult<{ userId: string }>).value.userId);
  });

  // Design: "Also unique: a social or enterprise identity (connection + subject)."
  it('a social or enterprise identity belongs to one user: a second claim is refused, deleting the profile frees it', async () => {
    const social = { type: 'oauth2:google', identity: 'google-sub-1001', provider: 'google' };
    const a = await createUser(store, admin(), { identities: [{ type: 'email', identity: 'social-a@example.com' }, social] });
    expect(await codeOf(createUser(store, admin(), { identities: [{ type: 'email', identity: 'social-b@example.com' }, social] }))).toBe('SOCIAL_IDENTITY_TAKEN');
    const b = await createUser(store, admin(), { identities: [{ type: 'email', identity: 'social-b@example.com' }] });
    expect(await codeOf(addIdentity(store, admin(), b.userId, social))).toBe('SOCIAL_IDENTITY_TAKEN');
    // The same subject at another provider is another identity.
    expect(await codeOf(addIdentity(store, admin(), b.userId, { type: 'oauth2:github', identity: 'google-sub-1001', provider: 'github' }))).toBe('NO_ERROR');
    const enterprise = { type: 'enterprise:acme-saml', identity: 'E-77' };
    expect(await codeOf(createUser(store, admin(), { identities: [enterprise] }))).toBe('NO_ERROR');
    expect(await codeOf(createUser(store, admin(), { identities: [enterprise] }))).toBe('ENTERPRISE_IDENTITY_TAKEN');
    await deleteUser(store, admin(), a.userId, 'delete_profile');
    expect(await codeOf(addIdentity(store, admin(), b.userId, social))).toBe('NO_ERROR');
  });

  it('many concurrent claims of one social identity: exactly one wins', async () => {
    const social = { type: 'oauth2:apple', identity: 'apple-race-1', provider: 'apple' };
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => createUser(store, admin(), { identities: [{ type: 'email', identity: `apple-race-${i}@example.com` }, social] })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r.reason as DomainError).code)).toEqual(Array(19).fill('SOCIAL_IDENTITY_TAKEN'));
  });

  it('a command that changes nothing appends nothing', async () => {
    const { userId } = await createUser(store, admin(), { firstName: 'Same', identities: [{ type: 'email', identity: 'same@example.com' }] });
    const before = await store.readStream(streams.user(userId));
    const result = await updateUser(store, admin(), userId, { firstName: 'Same' });
    expect(result.events).toEqual([]);
    expect(result.position).toBeNull();
    expect(await store.readStream(streams.user(userId))).toHaveLength(before.length);
  });

  it('deleting the profile frees the email; revoking access does not', async () => {
    const a = await createUser(store, admin(), { identities: [{ type: 'email', identity: 'gone@example.com' }] });
    await deleteUser(store, admin(), a.userId, 'revoke_access');
    expect(await codeOf(createUser(store, admin(), { identities: [{ type: 'email', identity: 'gone@example.com' }] }))).toBe('EMAIL_TAKEN');
    await deleteUser(store, admin(), a.userId, 'delete_profile');
    expect(await codeOf(createUser(store, admin(), { identities: [{ type: 'email', identity: 'GONE@example.com' }] }))).toBe('NO_ERROR');
    expect((await loadUser(store, a.userId)).status).toBe('deleted');
  });

  it('roles only for members; a deleted role cannot be assigned', async () => {
    const org = await createOrganization(store, admin(), { name: 'Acme', externalId: 'acme-1' });
    const role = await createRole(store, admin(), { key: 'admin', name: 'Admin' });
    const perm = await createPermission(store, admin(), { key: 'read:reports', name: 'Read reports' });
    const { userId } = await createUser(store, admin(), { identities: [{ type: 'email', identity: 'member@example.com' }] });
    expect(await codeOf(assignRole(store, admin(), userId, org.orgCode, role.roleId))).toBe('USER_NOT_IN_ORGANIZATION');
    expect(await codeOf(grantPermission(store, admin(), userId, org.orgCode, perm.permissionId))).toBe('USER_NOT_IN_ORGANIZATION');
    await addUserToOrganization(store, admin(), userId, org.orgCode);
    expect((await assignRole(store, admin(), userId, org.orgCode, role.roleId)).events).toHaveLength(1);
    expect((await grantPermission(store, admin(), userId, org.orgCode, perm.permissionId)).events).toHaveLength(1);
    await deleteRole(store, admin(), role.roleId);
    const again = await createRole(store, admin(), { key: 'admin', name: 'Admin again' });
    expect(again.roleId).not.toBe(role.roleId);
    expect(await codeOf(assignRole(store, admin(), userId, org.orgCode, role.roleId))).toBe('ROLE_NOT_FOUND');
  });

  it('role keys are matched exactly and unique', async () => {
    await createRole(store, admin(), { key: 'Editor', name: 'Editor' });
    expect(await codeOf(createRole(store, admin(), { key: 'Editor', name: 'Editor 2' }))).toBe('ROLE_KEY_TAKEN');
    expect(await codeOf(createRole(store, admin(), { key: 'editor', name: 'editor' }))).toBe('NO_ERROR');
    await createPermission(store, admin(), { key: 'write', name: 'Write' });
    expect(await codeOf(createPermission(store, admin(), { key: 'write', name: 'Write 2' }))).toBe('PERMISSION_KEY_TAKEN');
  });

  it('organization external ids are unique and can move', async () => {
    const a = await createOrganization(store, admin(), { name: 'A', externalId: 'ext-a' });
    expect(await codeOf(createOrganization(store, admin(), { name: 'B', externalId: 'ext-a' }))).toBe('ORG_EXTERNAL_ID_TAKEN');
    await updateOrganization(store, admin(), a.orgCode, { externalId: 'ext-a2' });
    expect(await codeOf(createOrganization(store, admin(), { name: 'B', externalId: 'ext-a' }))).toBe('NO_ERROR');
  });

  it('"assign to new users" roles are given to users created afterwards', async () => {
    const role = await createRole(store, admin(), { key: 'basic-system-access', name: 'Basic', assignToNewUsers: true });
    const { userId } = await createUser(store, admin(), { identities: [{ type: 'email', identity: 'newbie@example.com' }] });
    const state = await loadUser(store, userId);
    expect(state.status === 'active' && state.organizations[DEFAULT_ORG_CODE]?.roleIds).toContain(role.roleId);
  });

  it('a subscriber converts into exactly one organization and stays a subscriber', async () => {
    const sub = await addSubscriber(store, admin(), { email: 'sub@example.com', firstName: 'Sub' });
    expect(await codeOf(convertSubscriberToUser(store, admin(), sub.subscriberId, [DEFAULT_ORG_CODE, 'org_000000000000']))).toBe('CONVERSION_NEEDS_ONE_ORGANIZATION');
    const { userId } = await convertSubscriberToUser(store, admin(), sub.subscriberId, [DEFAULT_ORG_CODE]);
    const subEvents = await store.readStream(streams.subscriber(sub.subscriberId));
    expect(subEvents.map((e) => e.type)).toEqual(['SubscriberAdded', 'SubscriberConvertedToUser']);
    // Deleting the profile removes the person from the subscriber list too.
    await deleteUser(store, admin(), userId, 'delete_profile');
    expect((await store.readStream(streams.subscriber(sub.subscriberId))).map((e) => e.type)).toContain('SubscriberDeleted');
  });

  it('a suspended user stays suspended and a repeat suspension appends nothing', async () => {
    const { userId } = await createUser(store, admin(), { identities: [{ type: 'email', identity: 'susp@example.com' }] });
    await suspendUser(store, admin(), userId);
    expect((await suspendUser(store, admin(), userId)).events).toEqual([]);
    expect((await loadUser(store, userId)).status).toBe('suspended');
  });
});
