import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allProjections } from '../../src/all-projections';
import { physicalNames, type Projection } from '../../src/projections/projection';
import { organizationUsers, getOrganization } from '../../src/projections/organizations/queries';
import { roleHoldersAsOf } from '../../src/projections/role-grants/queries';
import { listRoles, roleUsers } from '../../src/projections/roles/queries';
import { listSubscribers } from '../../src/projections/subscribers/queries';
import { loadUserView } from '../../src/projections/time-travel/user-view';
import { kindeUser } from '../../src/http/views/user-stream';
import { policyAcceptances } from '../../src/projections/users/policy-acceptances';
import { listUsers } from '../../src/projections/users/queries';
import { ev, identity, orgCode, startHarness, userId, type Harness } from './harness';

const T = (day: number, hour = 10) => `2026-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00.000Z`;

describe('read models', () => {
  let h: Harness;
  const org = orgCode();
  const other = orgCode();
  const alice = userId();
  const bob = userId();
  const carol = userId();
  beforeAll(async () => {
    h = await startHarness(allProjections);
    await h.given('business-settings', [
      {
        type: 'BusinessSettingsInitialized',
        data: {
          defaultOrgCode: org,
          termsUrl: 'https://acme.test/terms-v2',
          privacyUrl: null,
          showPolicyAcceptance: true,
          allowSelfSignUp: true,
          syncProfilesOnSignIn: true,
          addUsersToDefaultOrganization: true,
        },
      },
    ]);
    await h.given(`organization-${org}`, [{ type: 'OrganizationCreated', data: { orgCode: org, name: 'Acme', isDefault: true, externalId: 'ext-acme' } }]);
    await h.given(`organization-${other}`, [{ type: 'OrganizationCreated', data: { orgCode: other, name: 'Other', isDefault: false } }]);
    await h.given('permission-perm_read', [{ type: 'PermissionCreated', data: { permissionId: 'perm_read', key: 'read:things', name: 'Read', addToNewRoles: false } }]);
    await h.given('permission-perm_write', [{ type: 'PermissionCreated', data: { permissionId: 'perm_write', key: 'write:things', name: 'Write', addToNewRoles: false } }]);
    await h.given('role-role_admin', [{ type: 'RoleCreated', data: { roleId: 'role_admin', key: 'admin', name: 'Admin', assignToNewUsers: false, permissionIds: ['perm_read', 'perm_write'] } }]);
    await h.given('role-role_viewer', [{ type: 'RoleCreated', data: { roleId: 'role_viewer', key: 'viewer', name: 'Viewer', assignToNewUsers: true, permissionIds: ['perm_read'] } }]);
    await h.given(`user-${alice}`, [
      ev(
        'UserCreated',
        {
          userId: alice,
          firstName: 'Alice',
          lastName: 'Zed',
          identities: [identity(alice, 'email', 'Alice@Example.com'), identity(alice, 'username', 'alicez', false)],
          organizations: [{ orgCode: org, roleIds: ['role_viewer'], permissionIds: [] }],
        },
        { occurredAt: T(1) },
      ),
      ev('RoleAssignedToUser', { orgCode: org, roleId: 'role_admin' }, { occurredAt: T(3), actor: { type: 'admin', id: 'admin_ann' } }),
      ev('UserPasswordSet', { password: { method: 'bcrypt', hash: '$2b$10$SECRETSECRETSECRETSECRE', salt: 'NaCl' }, isTemporary: false }, { occurredAt: T(3) }),
      ev('RoleRemovedFromUser', { orgCode: org, roleId: 'role_admin' }, { occurredAt: T(10), actor: { type: 'admin', id: 'admin_bo' } }),
      ev('PolicyAccepted', { policy: 'terms', url: 'https://acme.test/terms-v2', acceptedAt: T(4) }, { occurredAt: T(4) }),
    ]);
    await h.given(`user-${bob}`, [
      ev(
        'UserImported',
        {
          userId: bob,
          isNew: true,
          mode: 'merge',
          firstName: 'Bob',
          lastName: 'Young',
          identities: [identity(bob, 'email', 'bob@example.com')],
          organizations: [
            { orgCode: org, roleIds: ['role_admin'], permissionIds: ['perm_write'] },
            { orgCode: other, roleIds: [], permissionIds: [] },
          ],
          properties: { city: 'Perth' },
          featureFlags: {},
          password: { method: 'md5', hash: 'deadbeefSECRET', salt: 'NaCl' },
          passwordVerified: false,
        },
        { occurredAt: T(2), source: 'import', actor: { type: 'import', id: 'imp_1' }, import: { id: 'imp_1', format: 'csv', checksum: 'x', lines: [2] } },
      ),
      ev('UserSignInSucceeded', { method: 'password', identityId: 'will-be-replaced', orgCode: org }, { occurredAt: T(5) }),
      ev('UserSuspended', { reason: 'fraud' }, { occurredAt: T(6) }),
    ]);
    const carolPhone = identity(carol, 'phone', '+61412345678');
    await h.given(`user-${carol}`, [
      ev('UserCreated', { userId: carol, firstName: 'carol', identities: [carolPhone], organizations: [{ orgCode: other, roleIds: [], permissionIds: [] }] }, { occurredAt: T(1) }),
      // Two failures in a row, one naming no identity: both count (src/domain/user/sign-in-counts.ts).
      ev('UserSignInFailed', { method: 'password', identityId: carolPhone.id, reason: 'wrong_password' }, { occurredAt: T(7) }),
      ev('UserSignInFailed', { method: 'otp', reason: 'other' }, { occurredAt: T(8) }),
    ]);
    await h.given('subscriber-sub_1', [{ type: 'SubscriberAdded', data: { subscriberId: 'sub_1', email: 'news@example.com', firstName: 'Nia' } }]);
  }, 60_000);
  afterAll(async () => h?.close());

  it('lists users in Kinde shape, filtered and sorted', async () => {
    const all = await listUsers(h.db.knex, { sort: 'name_asc' });
    expect(all.users.map((u) => u.full_name)).toEqual(['Alice Zed', 'Bob Young', 'carol']);
    expect((await listUsers(h.db.knex, { sort: 'name_desc' })).users.map((u) => u.full_name)).toEqual(['carol', 'Bob Young', 'Alice Zed']);
    expect((await listUsers(h.db.knex, { sort: 'email_asc' })).users.map((u) => u.email)).toEqual([null, 'Alice@Example.com', 'bob@example.com']);
    const a = all.users[0]!;
    expect(a).toMatchObject({ id: alice, email: 'Alice@Example.com', username: 'alicez', first_name: 'Alice', last_name: 'Zed', is_suspended: false, organizations: [org], created_on: T(1) });
    // "email" filter is case-insensitive (emails are unique case-insensitively)
    expect((await listUsers(h.db.knex, { email: 'alice@example.COM' })).users.map((u) => u.id)).toEqual([alice]);
    expect((await listUsers(h.db.knex, { username: 'ALICEZ' })).users.map((u) => u.id)).toEqual([alice]);
    expect((await listUsers(h.db.knex, { phone: '+61412345678' })).users.map((u) => u.id)).toEqual([carol]);
    expect((await listUsers(h.db.knex, { org_code: other, sort: 'name_asc' })).users.map((u) => u.id)).toEqual([bob, carol]);
    expect((await listUsers(h.db.knex, { user_id: `${bob},${carol}`, sort: 'id_asc' })).users).toHaveLength(2);
    const b = (await listUsers(h.db.knex, { user_id: bob })).users[0]!;
    expect(b).toMatchObject({ is_suspended: true, total_sign_ins: 1, last_signed_in: T(5), created_on: T(2) });
  });

  it('pages by keyset in every sort order without gaps or repeats', async () => {
    for (const sort of ['name_asc', 'name_desc', 'email_asc', 'email_desc', 'id_asc', 'id_desc'] as const) {
      const full = (await listUsers(h.db.knex, { sort, page_size: 100 })).users.map((u) => u.id);
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await listUsers(h.db.knex, { sort, page_size: 1, next_token: token });
        seen.push(...page.users.map((u) => u.id));
        token = page.next_token ?? undefined;
      } while (token);
      expect(seen, sort).toEqual(full);
    }
  });

  it('one user, through the stream fold GET /api/v1/user uses, and in the lists: identities, organizations with roles and permissions, no password hash', async () => {
    const view = await loadUserView(h.db.store, bob);
    const shown = kindeUser(view, new Set(['organizations', 'identities']));
    expect(shown).toMatchObject({ id: bob, preferred_email: 'bob@example.com', first_name: 'Bob', last_name: 'Young', is_suspended: true, total_sign_ins: 1, last_signed_in: T(5), created_on: T(2) });
    expect(shown.identities).toEqual([{ type: 'email', identity: 'bob@example.com' }]);
    expect([...(shown.organizations ?? [])].sort()).toEqual([org, other].sort());
    // The same fold answers GET /api/v1/users/{id}/properties and sign-in (an imported password waits for its one-time code).
    expect(view.user.properties).toEqual({ city: 'Perth' });
    expect([view.user.password?.stored.method, view.user.passwordVerified]).toEqual(['md5', false]);
    // The users list shows the same identities and organizations.
    const listed = (await listUsers(h.db.knex, { user_id: bob })).users[0]!;
    expect(listed).toMatchObject({ id: bob, identities: [{ type: 'email', identity: 'bob@example.com' }], organizations: [org, other].sort() });
    // Roles and permissions per organization: admin in Acme (read:things through it, write:things also granted directly), nothing in Other.
    const acme = (await organizationUsers(h.db.knex, org)).organization_users.find((m) => m.id === bob);
    expect(acme).toMatchObject({ roles: ['admin'], permissions: ['read:things', 'write:things'] });
    expect((await organizationUsers(h.db.knex, other)).organization_users.find((m) => m.id === bob)).toMatchObject({ roles: [], permissions: [] });
    expect((await roleUsers(h.db.knex, 'role_admin')).users).toEqual([{ id: bob, email: 'bob@example.com', full_name: 'Bob Young', org_code: org }]);
    // No password hash or salt in what is served, nor anywhere in the users tables.
    expect(JSON.stringify([shown, listed, acme])).not.toMatch(/SECRET|NaCl/);
    for (const table of ['users_v2', 'user_identities_v2', 'user_organizations_v2']) {
      expect(JSON.stringify(await h.db.knex(table).select('*')), table).not.toMatch(/SECRET|NaCl/);
    }
    // An unknown id, well-formed or not, is USER_NOT_FOUND on the same path.
    await expect(loadUserView(h.db.store, userId())).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    await expect(loadUserView(h.db.store, 'not-a-user-id')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it('organization members with their roles and permissions; role holders', async () => {
    const members = await organizationUsers(h.db.knex, org);
    const byId = new Map(members.organization_users.map((m) => [m.id, m]));
    expect(byId.get(alice)).toMatchObject({ roles: ['viewer'], permissions: ['read:things'] });
    expect(byId.get(bob)).toMatchObject({ roles: ['admin'], permissions: ['read:things', 'write:things'], is_suspended: true });
    expect((await organizationUsers(h.db.knex, org, { roles: 'admin' })).organization_users.map((m) => m.id)).toEqual([bob]);
    expect((await listUsers(h.db.knex, { role_key: 'admin' })).users.map((u) => u.id)).toEqual([bob]);
    expect(await getOrganization(h.db.knex, org)).toMatchObject({ code: org, name: 'Acme', external_id: 'ext-acme', is_default: true });
    expect((await listRoles(h.db.knex)).roles.map((r) => r.key)).toEqual(['admin', 'viewer']);
    expect((await roleUsers(h.db.knex, 'role_admin')).users.map((u) => u.id)).toEqual([bob]);
    expect((await listSubscribers(h.db.knex)).subscribers).toEqual([{ id: 'sub_1', email: 'news@example.com', full_name: 'Nia', first_name: 'Nia', last_name: null }]);
  });

  it('a deleted role leaves every user who had it', async () => {
    await h.given('role-role_admin', [{ type: 'RoleDeleted', data: { key: 'admin' } }], { occurredAt: T(20) });
    const members = new Map((await organizationUsers(h.db.knex, org)).organization_users.map((m) => [m.id, m]));
    // Bob keeps the permission granted to him directly; the one only the role gave is gone. Alice's viewer role stays.
    expect(members.get(bob)).toMatchObject({ roles: [], permissions: ['write:things'] });
    expect(members.get(alice)).toMatchObject({ roles: ['viewer'], permissions: ['read:things'] });
    expect((await organizationUsers(h.db.knex, org, { roles: 'admin' })).organization_users).toEqual([]);
    expect((await listUsers(h.db.knex, { role_key: 'admin' })).users).toEqual([]);
    expect(await roleHoldersAsOf(h.db.knex, org, 'role_admin', T(21))).toEqual([]);
  });

  it('who had the admin role in the organization at a moment, and who granted it', async () => {
    const at5 = await roleHoldersAsOf(h.db.knex, org, 'role_admin', T(5));
    expect(at5.map((x) => [x.id, x.granted_on, x.granted_by.type, x.granted_by.id, x.granted_how])).toEqual([
      [bob, T(2), 'import', 'imp_1', 'imported'],
      [alice, T(3), 'admin', 'admin_ann', 'assigned'],
    ]);
    expect((await roleHoldersAsOf(h.db.knex, org, 'role_admin', T(11))).map((x) => x.id)).toEqual([bob]);
    expect(await roleHoldersAsOf(h.db.knex, org, 'role_admin', T(1))).toEqual([]);
  });

  it('time travel: the user as they were (the same stream fold as GET /api/v1/user?as_of=)', async () => {
    const asOf = async (id: string, at: string) => kindeUser(await loadUserView(h.db.store, id, new Date(at)), new Set(['organizations']));
    expect(await asOf(bob, T(4))).toMatchObject({ is_suspended: false, total_sign_ins: 0 });
    expect(await asOf(bob, T(7))).toMatchObject({ is_suspended: true, total_sign_ins: 1 });
    await expect(asOf(carol, '2026-02-01T00:00:00Z')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    // Now, the fold agrees with the users list (the read model), sign-in counts included.
    const expectedCounts = { [alice]: [0, 0], [bob]: [1, 0], [carol]: [0, 2] };
    for (const id of [alice, bob, carol]) {
      const now = await asOf(id, '2030-01-01T00:00:00Z');
      const listed = (await listUsers(h.db.knex, { user_id: id })).users[0]!;
      const facts = (u: {
        first_name?: string | null;
        last_name?: string | null;
        is_suspended: boolean;
        total_sign_ins: number;
        failed_sign_ins: number;
        last_signed_in: string | null;
        organizations?: string[];
      }) => ({
        first_name: u.first_name ?? null,
        last_name: u.last_name ?? null,
        is_suspended: u.is_suspended,
        total_sign_ins: u.total_sign_ins,
        failed_sign_ins: u.failed_sign_ins,
        last_signed_in: u.last_signed_in,
        organizations: [...(u.organizations ?? [])].sort(),
      });
      expect(facts(now), id).toEqual(facts(listed));
      expect([listed.total_sign_ins, listed.failed_sign_ins], id).toEqual(expectedCounts[id]);
    }
  });

  it('policy acceptances of the current version', async () => {
    const accepted = await policyAcceptances(h.db.knex, 'terms', 'accepted');
    expect(accepted.current_url).toBe('https://acme.test/terms-v2');
    expect(accepted.users.map((u) => [u.user_id, u.accepted_on])).toEqual([[alice, T(4)]]);
    const missing = await policyAcceptances(h.db.knex, 'terms', 'missing');
    expect(missing.users.map((u) => u.user_id).sort()).toEqual([bob, carol].sort());
  });

  it('applying the same events again changes nothing, and a rebuild gives the same rows', async () => {
    const snapshot = async (p: Projection) => {
      const out: Record<string, unknown[]> = {};
      for (const table of p.tables) out[table] = await h.db.knex(`${table}_v${p.version}`).select('*').orderByRaw('1, 2');
      return out;
    };
    // A rebuild creates the query indexes after its fill: the new generation must end with the same ones.
    const indexes = async (p: Projection, generation: number) => {
      const tables = p.tables.map((table) => physicalNames(p, generation)(table));
      const { rows } = await h.db.knex.raw<{ rows: { def: string }[] }>(`select regexp_replace(indexdef, '_g[0-9]+', '_gN', 'g') as def from pg_indexes where tablename = any(?) order by 1`, [tables]);
      return rows.map((r) => r.def);
    };
    const events = await h.db.store.readAll('start', 10_000);
    for (const p of allProjections(h.db.store)) {
      const before = await snapshot(p);
      const status = (await h.projector.status()).find((s) => s.name === p.name)!;
      const indexesBefore = await indexes(p, status.generation);
      await h.db.knex.transaction((trx) => p.apply(trx, events, physicalNames(p, status.generation)));
      expect(await snapshot(p), `${p.name} after a replay`).toEqual(before);
      await h.projector.rebuild(p.name);
      expect(await snapshot(p), `${p.name} after a rebuild`).toEqual(before);
      expect(await indexes(p, status.generation + 1), `${p.name}'s indexes after a rebuild`).toEqual(indexesBefore);
    }
    const users = allProjections(h.db.store).find((p) => p.name === 'users')!;
    const generation = (await h.projector.status()).find((s) => s.name === 'users')!.generation;
    expect(
      (await indexes(users, generation)).some((d) => d.includes('gin_trgm_ops')),
      'the rebuilt users table has its search index',
    ).toBe(true);
  });
});
