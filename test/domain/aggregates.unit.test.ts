import { describe, expect, it } from 'vitest';
import { businessSettingsDecider, DEFAULT_BUSINESS_SETTINGS } from '../../src/domain/business-settings/decider';
import { DomainError } from '../../src/domain/errors';
import { organizationDecider } from '../../src/domain/organization/decider';
import { permissionDecider } from '../../src/domain/permission/decider';
import { reservationDecider } from '../../src/domain/reservation/decider';
import { roleDecider } from '../../src/domain/role/decider';
import { fold, type Decider, type DomainEvent } from '../../src/domain/shared';
import { subscriberDecider } from '../../src/domain/subscriber/decider';

function run<C, E extends DomainEvent, S>(d: Decider<C, E, S>, given: E[], when: C) {
  return d.decide(when, fold(d, given));
}
function code(fn: () => unknown): string {
  try { fn(); } catch (e) { return e instanceof DomainError ? e.code : 'OTHER'; }
  return 'NO_ERROR';
}

const ORG = 'org_aaaaaaaaaaaa';

describe('reservations', () => {
  const claimed = [{ type: 'ReservationClaimed' as const, data: { kind: 'email' as const, value: 'a@b.co', ownerId: 'u1' } }];
  it.each([
    ['claim free', [], { type: 'ClaimReservation' as const, data: { kind: 'email' as const, value: 'a@b.co', ownerId: 'u1' } }, 1, 'NO_ERROR'],
    ['claim own again', claimed, { type: 'ClaimReservation' as const, data: { kind: 'email' as const, value: 'a@b.co', ownerId: 'u1' } }, 0, 'NO_ERROR'],
    ['claim taken', claimed, { type: 'ClaimReservation' as const, data: { kind: 'email' as const, value: 'a@b.co', ownerId: 'u2' } }, 0, 'EMAIL_TAKEN'],
    ['release by non-owner', claimed, { type: 'ReleaseReservation' as const, data: { ownerId: 'u2' } }, 0, 'NO_ERROR'],
    ['release by owner', claimed, { type: 'ReleaseReservation' as const, data: { ownerId: 'u1' } }, 1, 'NO_ERROR'],
  ])('%s', (_n, given, when, count, expected) => {
    expect(code(() => run(reservationDecider, given, when))).toBe(expected);
    if (expected === 'NO_ERROR') expect(run(reservationDecider, given, when)).toHaveLength(count);
  });
});

describe('organization', () => {
  const created = [{ type: 'OrganizationCreated' as const, data: { orgCode: ORG, name: 'Acme', externalId: 'x', isDefault: false } }];
  it('no-op update appends nothing; a change appends one event', () => {
    expect(run(organizationDecider, created, { type: 'UpdateOrganization', data: { name: 'Acme', externalId: 'x' } })).toEqual([]);
    expect(run(organizationDecider, created, { type: 'UpdateOrganization', data: { name: 'Acme 2' } })).toEqual([{ type: 'OrganizationUpdated', data: { name: 'Acme 2' } }]);
  });
  it('the default organization cannot be deleted', () => {
    const def = [{ type: 'OrganizationCreated' as const, data: { orgCode: ORG, name: 'Default', isDefault: true } }];
    expect(code(() => run(organizationDecider, def, { type: 'DeleteOrganization', data: {} }))).toBe('DEFAULT_ORGANIZATION_PROTECTED');
  });
  it('default roles set once', () => {
    const set = run(organizationDecider, created, { type: 'SetOrganizationDefaultRoles', data: { roleIds: ['r1'] } });
    expect(run(organizationDecider, [...created, ...set], { type: 'SetOrganizationDefaultRoles', data: { roleIds: ['r1'] } })).toEqual([]);
  });
});

describe('role and permission', () => {
  const role = [{ type: 'RoleCreated' as const, data: { roleId: 'r1', key: 'admin', name: 'Admin', assignToNewUsers: false, permissionIds: [] } }];
  it('adds an existing permission once; refuses an unknown one', () => {
    expect(run(roleDecider, role, { type: 'AddPermissionToRole', data: { permissionId: 'p1', permissionExists: true } })).toHaveLength(1);
    expect(code(() => run(roleDecider, role, { type: 'AddPermissionToRole', data: { permissionId: 'p1', permissionExists: false } }))).toBe('PERMISSION_NOT_FOUND');
  });
  it('deleting twice appends once; a deleted role cannot be updated', () => {
    const del = run(roleDecider, role, { type: 'DeleteRole', data: {} });
    expect(del).toEqual([{ type: 'RoleDeleted', data: { key: 'admin' } }]);
    expect(run(roleDecider, [...role, ...del], { type: 'DeleteRole', data: {} })).toEqual([]);
    expect(code(() => run(roleDecider, [...role, ...del], { type: 'UpdateRole', data: { name: 'x' } }))).toBe('ROLE_NOT_FOUND');
  });
  it('permission update with the same values appends nothing', () => {
    const perm = [{ type: 'PermissionCreated' as const, data: { permissionId: 'p1', key: 'read', name: 'Read', addToNewRoles: true } }];
    expect(run(permissionDecider, perm, { type: 'UpdatePermission', data: { key: 'read', addToNewRoles: true } })).toEqual([]);
  });
});

describe('subscriber', () => {
  const added = [{ type: 'SubscriberAdded' as const, data: { subscriberId: 's1', email: 'a@b.co' } }];
  // "You can only select one."
  it.each([[[]], [[ORG, 'org_bbbbbbbbbbbb']]])('conversion with %j organizations is refused', (orgCodes) => {
    expect(code(() => run(subscriberDecider, added, { type: 'ConvertSubscriberToUser', data: { userId: 'kp_0123456789abcdef0123456789abcdef', orgCodes } }))).toBe('CONVERSION_NEEDS_ONE_ORGANIZATION');
  });
});

describe('business settings', () => {
  const init = [{ type: 'BusinessSettingsInitialized' as const, data: { ...DEFAULT_BUSINESS_SETTINGS, defaultOrgCode: ORG } }];
  it('Kinde defaults: self sign-up allowed, profiles synced', () => {
    expect(DEFAULT_BUSINESS_SETTINGS).toMatchObject({ allowSelfSignUp: true, syncProfilesOnSignIn: true, addUsersToDefaultOrganization: true });
  });
  it('only changed settings are recorded', () => {
    expect(run(businessSettingsDecider, init, { type: 'UpdateBusinessSettings', data: { allowSelfSignUp: true, termsUrl: 'https://x/t' } })).toEqual([
      { type: 'BusinessSettingsUpdated', data: { termsUrl: 'https://x/t' } },
    ]);
    expect(run(businessSettingsDecider, init, { type: 'InitializeBusinessSettings', data: { defaultOrgCode: ORG } })).toEqual([]);
  });
});
