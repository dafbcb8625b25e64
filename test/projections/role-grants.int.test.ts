import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewName } from '../../src/projections/projection';
import { roleGrantsProjection } from '../../src/projections/role-grants/projection';
import { ev, identity, orgCode, startHarness, userId, type Harness } from './harness';

/*
 * The role-grant history writes a user's first grants without the unique index's
 * conflict check (a user with no progress row has no grant rows), so it must
 * itself drop a grant of a role the user already holds in the same batch, and
 * forget a grant closed in the same batch.
 */
describe('role grants written in one batch with the user', () => {
  let h: Harness;
  const org = orgCode();
  interface GrantRow {
    user_id: string;
    role_id: string;
    how: string;
    valid_to: string | null;
    revoked_how: string | null;
  }
  const grantsOf = (user: string): Promise<GrantRow[]> =>
    h.db.knex<GrantRow>(viewName(roleGrantsProjection, 'role_grants')).where({ user_id: user }).orderBy('valid_from').orderBy('how').select('role_id', 'how', 'valid_to', 'revoked_how');

  beforeAll(async () => {
    h = await startHarness([roleGrantsProjection]);
  });
  afterAll(async () => h?.close());

  it('a role listed twice at creation is granted once', async () => {
    const u = userId();
    await h.given(`user-${u}`, [
      { type: 'UserCreated', data: { userId: u, identities: [identity(u, 'email', `${u}@example.com`)], organizations: [{ orgCode: org, roleIds: ['role_a', 'role_a', 'role_b'] }] } },
    ]);
    expect((await grantsOf(u)).map((g) => [g.role_id, g.valid_to])).toEqual([
      ['role_a', null],
      ['role_b', null],
    ]);
  });

  it('a role granted, removed and granted again in one batch leaves a closed grant and an open one', async () => {
    const u = userId();
    await h.given(`user-${u}`, [
      ev('UserCreated', { userId: u, identities: [identity(u, 'email', `${u}@example.com`)], organizations: [{ orgCode: org, roleIds: ['role_a'] }] }, { occurredAt: '2026-03-01T10:00:00.000Z' }),
      ev('RoleRemovedFromUser', { orgCode: org, roleId: 'role_a' }, { occurredAt: '2026-03-01T10:01:00.000Z' }),
      ev('RoleAssignedToUser', { orgCode: org, roleId: 'role_a' }, { occurredAt: '2026-03-01T10:02:00.000Z' }),
      ev('RoleAssignedToUser', { orgCode: org, roleId: 'role_a' }, { occurredAt: '2026-03-01T10:03:00.000Z' }),
    ]);
    const grants = await grantsOf(u);
    expect(grants.map((g) => [g.how, g.revoked_how])).toEqual([
      ['created', 'removed'],
      ['assigned', null],
    ]);
  });

  it('a user created without roles gets the grants of later batches, the same after a rebuild', async () => {
    const u = userId();
    const created = { type: 'UserCreated', data: { userId: u, identities: [identity(u, 'email', `${u}@example.com`)], organizations: [{ orgCode: org, roleIds: [] }] } };
    await h.given(`user-${u}`, [created]);
    expect(await grantsOf(u)).toEqual([]);
    await h.given(`user-${u}`, [{ type: 'RoleAssignedToUser', data: { orgCode: org, roleId: 'role_a' } }]);
    await h.given(`user-${u}`, [{ type: 'UserAddedToOrganization', data: { orgCode: orgCode(), roleIds: [] } }]);
    const expected = [['role_a', 'assigned', null]];
    expect((await grantsOf(u)).map((g) => [g.role_id, g.how, g.valid_to])).toEqual(expected);
    await h.projector.rebuild('role_grants');
    expect((await grantsOf(u)).map((g) => [g.role_id, g.how, g.valid_to])).toEqual(expected);
  });

  it('a later batch granting a role the user holds adds nothing', async () => {
    const u = userId();
    await h.given(`user-${u}`, [{ type: 'UserCreated', data: { userId: u, identities: [identity(u, 'email', `${u}@example.com`)], organizations: [{ orgCode: org, roleIds: ['role_a'] }] } }]);
    await h.given(`user-${u}`, [{ type: 'RoleAssignedToUser', data: { orgCode: org, roleId: 'role_a' } }]);
    expect((await grantsOf(u)).map((g) => g.how)).toEqual(['created']);
  });
});
