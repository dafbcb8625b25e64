import { ApiError, Business, Identities, OpenAPI, Organizations, Permissions, Properties, Roles, Search, Subscribers, Users } from '@kinde/management-api-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { problems } from './support/conforms';

/**
 * The contract: Kinde's own client (@kinde/management-api-js) drives an
 * in-process Roster, and every response is checked against the JSON schema
 * the package ships for it.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  OpenAPI.BASE = t.url;
  OpenAPI.TOKEN = await t.token();
});
afterAll(async () => {
  await t?.close();
});

function conforms(schema: string, body: unknown) {
  expect(problems(schema, body)).toEqual([]);
  return body;
}

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof ApiError) return err.status;
    throw err;
  }
}

const uniq = () => Math.random().toString(36).slice(2, 8);

describe('Kinde client against Roster: users', () => {
  it('creates, reads, lists, updates, suspends and deletes a user', async () => {
    const email = `ada.${uniq()}@example.com`;
    const created = await Users.createUser({
      requestBody: {
        profile: { given_name: 'Ada', family_name: 'Lovelace' },
        provided_id: `ext-${uniq()}`,
        identities: [
          { type: 'email', is_verified: true, details: { email } },
          { type: 'username', details: { username: `ada${uniq()}` } },
        ],
      },
    });
    conforms('create_user_response', created);
    expect(created.created).toBe(true);
    expect(created.id).toMatch(/^kp_[0-9a-f]{32}$/);
    const id = created.id!;

    const user = conforms('user', await Users.getUserData({ id, expand: 'organizations,identities' })) as Awaited<ReturnType<typeof Users.getUserData>>;
    expect(user.preferred_email).toBe(email);
    expect(user.first_name).toBe('Ada');
    // "they are added to the default organization"
    expect(user.organizations).toHaveLength(1);

    // Read-your-writes: the list sees the user at once.
    const list = await Users.getUsers({ email, expand: 'organizations,identities' });
    conforms('users_response', list);
    expect(list.users?.map((u) => u.id)).toEqual([id]);
    expect(list.users?.[0]?.identities?.map((i) => i.type).sort()).toEqual(['email', 'username']);

    const found = conforms('search_users_response', await Search.searchUsers({ query: email })) as { results: { id: string }[] };
    expect(found.results.map((r) => r.id)).toContain(id);

    const updated = await Users.updateUser({ id, requestBody: { given_name: 'Augusta', is_suspended: true, is_password_reset_requested: true } });
    conforms('update_user_response', updated);
    expect(updated).toMatchObject({ id, given_name: 'Augusta', is_suspended: true, is_password_reset_requested: true });
    expect((await Users.getUsers({ userId: id })).users?.[0]?.is_suspended).toBe(true);
    expect((await Users.updateUser({ id, requestBody: { is_suspended: false } })).is_suspended).toBe(false);

    conforms('success_response', await Users.refreshUserClaims({ userId: id }));

    // "Delete all data and remove the user's profile" frees the email for a new user.
    conforms('success_response', await Users.deleteUser({ id, isDeleteProfile: true }));
    expect(await status(Users.getUserData({ id }))).toBe(404);
    expect((await Users.getUsers({ email })).users ?? []).toEqual([]);
    const again = await Users.createUser({ requestBody: { identities: [{ type: 'email', details: { email } }] } });
    expect(again.id).not.toBe(id);
  });

  it('refuses a second user with the same email (case-insensitive) with 409', async () => {
    const email = `dup.${uniq()}@example.com`;
    await Users.createUser({ requestBody: { identities: [{ type: 'email', details: { email } }] } });
    const err = await Users.createUser({ requestBody: { identities: [{ type: 'email', details: { email: email.toUpperCase() } }] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    expect(conforms('error_response', (err as ApiError).body)).toMatchObject({ errors: [{ code: 'EMAIL_TAKEN' }] });
  });

  it('pages through users with next_token', async () => {
    const tag = uniq();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await Users.createUser({ requestBody: { identities: [{ type: 'email', details: { email: `page${i}.${tag}@example.com` } }] } })).id!);
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const r = await Users.getUsers({ pageSize: 2, nextToken: next ?? null, userId: ids.join(',') });
      seen.push(...(r.users ?? []).map((u) => u.id!));
      next = r.next_token;
    } while (next);
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it('identities, properties, feature flags, password, MFA, policies', async () => {
    const email = `ids.${uniq()}@example.com`;
    const { id } = await Users.createUser({ requestBody: { identities: [{ type: 'email', details: { email } }] } });
    const userId = id!;

    const added = await Users.createUserIdentity({ userId, requestBody: { type: 'phone', value: '+61412345678' } });
    conforms('create_identity_response', added);
    const identities = conforms('get_identities_response', await Users.getUserIdentities({ userId })) as { identities: { id: string; type: string; is_primary: boolean }[] };
    expect(identities.identities.map((i) => i.type).sort()).toEqual(['email', 'phone']);
    const phone = identities.identities.find((i) => i.type === 'phone')!;
    expect(phone.id).toBe(added.identity?.id);
    conforms('identity', await Identities.getIdentity({ identityId: phone.id }));
    conforms('success_response', await Identities.updateIdentity({ identityId: phone.id, requestBody: { is_primary: true } }));
    expect((await Identities.getIdentity({ identityId: phone.id })).is_primary).toBe(true);
    conforms('success_response', await Identities.deleteIdentity({ identityId: phone.id }));
    expect(await status(Identities.getIdentity({ identityId: phone.id }))).toBe(404);

    const key = `plan_${uniq()}`;
    conforms(
      'create_property_response',
      await Properties.createProperty({ requestBody: { name: 'Plan', key, type: 'single_line_text', context: 'usr', is_private: false, description: 'the plan', category_id: 'general' } }),
    );
    conforms('get_properties_response', await Properties.getProperties({ context: 'usr' }));
    conforms('success_response', await Users.updateUserProperty({ userId, propertyKey: key, value: 'pro' }));
    const values = conforms('get_property_values_response', await Users.getUserPropertyValues({ userId })) as { properties: { key: string; value: string }[] };
    expect(values.properties).toEqual([expect.objectContaining({ key, value: 'pro' })]);
    conforms('success_response', await Users.updateUserProperties({ userId, requestBody: { properties: { [key]: 'team' } } }));
    expect((await Users.getUserPropertyValues({ userId })).properties?.[0]?.value).toBe('team');
    expect(await status(Users.updateUserProperty({ userId, propertyKey: 'no_such_property', value: 'x' }))).toBe(404);
    conforms('success_response', await Properties.updateProperty({ propertyId: key, requestBody: { name: 'Plan name', is_private: true, category_id: 'c' } }));
    conforms('success_response', await Users.updateUserFeatureFlagOverride({ userId, featureFlagKey: 'beta', value: 'true' }));

    conforms('success_response', await Users.setUserPassword({ userId, requestBody: { hashed_password: '$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy', hashing_method: 'bcrypt' } }));
    const bad = await Users.setUserPassword({ userId, requestBody: { hashed_password: 'not-a-hash', hashing_method: 'bcrypt' } }).catch((e: unknown) => e as ApiError);
    expect((bad as ApiError).status).toBe(400);
    expect(JSON.stringify((bad as ApiError).body)).not.toContain('not-a-hash');

    expect(await status(Users.getUsersMfa({ userId }))).toBe(404);
    const enrol = await fetch(`${t.url}/api/v1/users/${userId}/mfa`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${OpenAPI.TOKEN as string}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'totp' }),
    });
    expect(enrol.status).toBe(201);
    const { factor_id } = (await enrol.json()) as { factor_id: string };
    const mfa = conforms('get_user_mfa_response', await Users.getUsersMfa({ userId })) as { mfa: { id: string; type: string } };
    expect(mfa.mfa).toMatchObject({ id: factor_id, type: 'totp' });
    conforms('success_response', await Users.resetUsersMfa({ userId, factorId: factor_id }));
    expect(await status(Users.resetUsersMfaAll({ userId }))).toBe(404);

    conforms('success_response', await Business.updateBusiness({ requestBody: { terms_url: 'https://example.com/terms', privacy_url: 'https://example.com/privacy' } }));
    const business = conforms('get_business_response', await Business.getBusiness()) as { business: { terms_url: string } };
    expect(business.business.terms_url).toBe('https://example.com/terms');
    const accepted = await fetch(`${t.url}/api/v1/users/${userId}/policy_acceptances`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${OpenAPI.TOKEN as string}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ policy: 'terms', version: '2024-01' }),
    });
    expect(accepted.status).toBe(201);
    expect(await accepted.json()).toMatchObject({ policy: 'terms', url: 'https://example.com/terms', version: '2024-01' });

    conforms('success_response', await Properties.deleteProperty({ propertyId: key }));
  });
});

describe('Kinde client against Roster: organizations, roles, permissions', () => {
  it('manages an organization, its members and their access', async () => {
    const perm = await Permissions.createPermission({ requestBody: { name: 'Read reports', key: `reports:read:${uniq()}`, description: 'read' } });
    const permissionId = (perm as unknown as { permission: { id: string } }).permission.id;
    const perms = conforms('get_permissions_response', await Permissions.getPermissions({ pageSize: 100 })) as { permissions: { id: string }[] };
    expect(perms.permissions.map((p) => p.id)).toContain(permissionId);
    conforms('success_response', await Permissions.updatePermissions({ permissionId, requestBody: { name: 'Read all reports' } }));

    const roleKey = `analyst_${uniq()}`;
    const role = conforms('create_roles_response', await Roles.createRole({ requestBody: { name: 'Analyst', key: roleKey, description: 'analyses' } })) as { role: { id: string } };
    const roleId = role.role.id;
    const got = conforms('get_role_response', await Roles.getRole({ roleId })) as { role: { key: string } };
    expect(got.role.key).toBe(roleKey);
    conforms('get_roles_response', await Roles.getRoles({ pageSize: 50 }));
    conforms('update_role_permissions_response', await Roles.updateRolePermissions({ roleId, requestBody: { permissions: [{ id: permissionId }] } }));
    const rp = conforms('role_permissions_response', await Roles.getRolePermissions({ roleId })) as { permissions: { id: string }[] };
    expect(rp.permissions.map((p) => p.id)).toEqual([permissionId]);
    await Roles.updateRoles({ roleId, requestBody: { name: 'Senior analyst', key: roleKey } });

    const org = conforms('create_organization_response', await Organizations.createOrganization({ requestBody: { name: 'Acme', external_id: `acme-${uniq()}` } })) as {
      organization: { code: string };
    };
    const orgCode = org.organization.code;
    expect((conforms('get_organization_response', await Organizations.getOrganization({ code: orgCode })) as { name: string }).name).toBe('Acme');
    conforms('get_organizations_response', await Organizations.getOrganizations({ pageSize: 50 }));
    conforms('success_response', await Organizations.updateOrganization({ orgCode, requestBody: { name: 'Acme Inc' } }));

    const { id } = await Users.createUser({ requestBody: { organization_code: orgCode, identities: [{ type: 'email', details: { email: `member.${uniq()}@example.com` } }] } });
    const userId = id!;
    const other = (await Users.createUser({ requestBody: { identities: [{ type: 'email', details: { email: `other.${uniq()}@example.com` } }] } })).id!;
    const addRes = conforms('add_organization_users_response', await Organizations.addOrganizationUsers({ orgCode, requestBody: { users: [{ id: other, roles: [roleKey] }] } })) as {
      users_added: string[];
    };
    expect(addRes.users_added).toEqual([other]);
    const members = conforms('get_organization_users_response', await Organizations.getOrganizationUsers({ orgCode })) as { organization_users: { id: string; roles: string[] }[] };
    expect(members.organization_users.map((m) => m.id).sort()).toEqual([userId, other].sort());
    expect(members.organization_users.find((m) => m.id === other)?.roles).toEqual([roleKey]);

    conforms('success_response', await Organizations.createOrganizationUserRole({ orgCode, userId, requestBody: { role_id: roleId } }));
    const roles = conforms('get_organizations_user_roles_response', await Organizations.getOrganizationUserRoles({ orgCode, userId })) as { roles: { id: string }[] };
    expect(roles.roles.map((r) => r.id)).toEqual([roleId]);
    const perms2 = conforms('get_organizations_user_permissions_response', await Organizations.getOrganizationUserPermissions({ orgCode, userId, expand: 'roles' })) as {
      permissions: { id: string; roles: { id: string }[] }[];
    };
    expect(perms2.permissions).toEqual([expect.objectContaining({ id: permissionId, roles: [expect.objectContaining({ id: roleId })] })]);
    const ru = conforms('get_organization_role_users_response', await Organizations.getOrganizationRoleUsers({ orgCode, roleId })) as { users: { id: string }[] };
    expect(ru.users.map((u) => u.id).sort()).toEqual([userId, other].sort());
    conforms('get_role_users_response', await Roles.getRoleUsers({ roleId }));

    conforms('success_response', await Organizations.createOrganizationUserPermission({ orgCode, userId, requestBody: { permission_id: permissionId } }));
    conforms('success_response', await Organizations.deleteOrganizationUserPermission({ orgCode, userId, permissionId }));
    conforms('success_response', await Organizations.deleteOrganizationUserRole({ orgCode, userId, roleId }));
    expect((await Organizations.getOrganizationUserRoles({ orgCode, userId })).roles).toEqual([]);

    const upd = conforms('update_organization_users_response', await Organizations.updateOrganizationUsers({ orgCode, requestBody: { users: [{ id: other, operation: 'delete' }] } })) as {
      users_removed: string[];
    };
    expect(upd.users_removed).toEqual([other]);
    expect(await status(Organizations.getOrgUserMfa({ orgCode, userId }))).toBe(404);
    conforms('success_response', await Organizations.removeOrganizationUser({ orgCode, userId }));
    expect((await Organizations.getOrganizationUsers({ orgCode })).organization_users ?? []).toEqual([]);

    const orgKey = `tier_${uniq()}`;
    await Properties.createProperty({ requestBody: { name: 'Tier', key: orgKey, type: 'single_line_text', context: 'org', is_private: false, category_id: 'general' } });
    conforms('success_response', await Organizations.updateOrganizationProperty({ orgCode, propertyKey: orgKey, value: 'gold' }));
    conforms('success_response', await Organizations.updateOrganizationProperties({ orgCode, requestBody: { properties: { [orgKey]: 'platinum' } } }));
    const ov = conforms('get_property_values_response', await Organizations.getOrganizationPropertyValues({ orgCode })) as { properties: { value: string }[] };
    expect(ov.properties.map((p) => p.value)).toEqual(['platinum']);

    conforms('success_response', await Roles.removeRolePermission({ roleId, permissionId }));
    conforms('success_response', await Roles.deleteRole({ roleId }));
    expect(await status(Roles.getRole({ roleId }))).toBe(404);
    conforms('success_response', await Permissions.deletePermission({ permissionId }));
    conforms('success_response', await Organizations.deleteOrganization({ orgCode }));
    expect(await status(Organizations.getOrganization({ code: orgCode }))).toBe(404);
  });
});

describe('Kinde client against Roster: subscribers', () => {
  it('adds, lists, reads, converts and deletes subscribers', async () => {
    const email = `sub.${uniq()}@example.com`;
    const created = conforms('create_subscriber_success_response', await Subscribers.createSubscriber({ email, firstName: 'Sam', lastName: 'Sub' })) as { subscriber: { subscriber_id: string } };
    const subscriberId = created.subscriber.subscriber_id;
    const got = conforms('get_subscriber_response', await Subscribers.getSubscriber({ subscriberId })) as { subscribers: { preferred_email: string }[] };
    expect(got.subscribers[0]!.preferred_email).toBe(email);
    const list = conforms('get_subscribers_response', await Subscribers.getSubscribers({ pageSize: 100 })) as { subscribers: { id: string }[] };
    expect(list.subscribers.map((s) => s.id)).toContain(subscriberId);

    const auth = { Authorization: `Bearer ${OpenAPI.TOKEN as string}`, 'Content-Type': 'application/json' };
    const org = (await Organizations.getOrganization({ code: null as unknown as string })) as { code: string };
    const converted = await fetch(`${t.url}/api/v1/subscribers/${subscriberId}/convert`, { method: 'POST', headers: auth, body: JSON.stringify({ org_code: org.code }) });
    expect(converted.status).toBe(200);
    const { user_id } = (await converted.json()) as { user_id: string };
    expect((await Users.getUserData({ id: user_id, expand: 'organizations' })).organizations).toEqual([org.code]);

    const deleted = await fetch(`${t.url}/api/v1/subscribers/${subscriberId}`, { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(200);
    expect(await status(Subscribers.getSubscriber({ subscriberId }))).toBe(404);
  });
});
