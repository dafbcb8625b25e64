import { describe, expect, it } from 'vitest';
import { businessSettingsDecider, DEFAULT_BUSINESS_SETTINGS } from '../../src/domain/business-settings/decider';
import { organizationDecider } from '../../src/domain/organization/decider';
import { permissionDecider } from '../../src/domain/permission/decider';
import { reservationDecider } from '../../src/domain/reservation/decider';
import { roleDecider } from '../../src/domain/role/decider';
import { subscriberDecider } from '../../src/domain/subscriber/decider';
import { deciderSpec } from '../support/decider-spec';

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
    const then = deciderSpec(reservationDecider).given(given).when(when);
    if (expected !== 'NO_ERROR') then.thenThrows(expected);
    else if (count === 0) then.thenNothingHappened();
    else then.then((events) => expect(events).toHaveLength(count));
  });
});

describe('organization', () => {
  const created = [{ type: 'OrganizationCreated' as const, data: { orgCode: ORG, name: 'Acme', externalId: 'x', isDefault: false } }];
  const spec = deciderSpec(organizationDecider);
  it('an update with the same values appends nothing', () => {
    spec
      .given(created)
      .when({ type: 'UpdateOrganization', data: { name: 'Acme', externalId: 'x' } })
      .thenNothingHappened();
  });
  it('a change appends one event', () => {
    spec
      .given(created)
      .when({ type: 'UpdateOrganization', data: { name: 'Acme 2' } })
      .then([{ type: 'OrganizationUpdated', data: { name: 'Acme 2' } }]);
  });
  it('the default organization cannot be deleted', () => {
    const def = [{ type: 'OrganizationCreated' as const, data: { orgCode: ORG, name: 'Default', isDefault: true } }];
    spec.given(def).when({ type: 'DeleteOrganization', data: {} }).thenThrows('DEFAULT_ORGANIZATION_PROTECTED');
  });
  it('default roles set once', () => {
    spec
      .given(created)
      .when({ type: 'SetOrganizationDefaultRoles', data: { roleIds: ['r1'] } })
      .then([{ type: 'OrganizationDefaultRolesSet', data: { roleIds: ['r1'] } }]);
  });
  it('the same default roles again change nothing', () => {
    spec
      .given([...created, { type: 'OrganizationDefaultRolesSet', data: { roleIds: ['r1'] } }])
      .when({ type: 'SetOrganizationDefaultRoles', data: { roleIds: ['r1'] } })
      .thenNothingHappened();
  });
});

describe('role and permission', () => {
  const role = [{ type: 'RoleCreated' as const, data: { roleId: 'r1', key: 'admin', name: 'Admin', assignToNewUsers: false, permissionIds: [] } }];
  const spec = deciderSpec(roleDecider);
  const deleted = [...role, { type: 'RoleDeleted' as const, data: { key: 'admin' } }];
  it('adds an existing permission', () => {
    spec
      .given(role)
      .when({ type: 'AddPermissionToRole', data: { permissionId: 'p1', permissionExists: true } })
      .then((events) => expect(events).toHaveLength(1));
  });
  it('refuses an unknown permission', () => {
    spec
      .given(role)
      .when({ type: 'AddPermissionToRole', data: { permissionId: 'p1', permissionExists: false } })
      .thenThrows('PERMISSION_NOT_FOUND');
  });
  it('deletes a role', () => {
    spec
      .given(role)
      .when({ type: 'DeleteRole', data: {} })
      .then([{ type: 'RoleDeleted', data: { key: 'admin' } }]);
  });
  it('deleting a deleted role changes nothing', () => {
    spec.given(deleted).when({ type: 'DeleteRole', data: {} }).thenNothingHappened();
  });
  it('a deleted role cannot be updated', () => {
    spec
      .given(deleted)
      .when({ type: 'UpdateRole', data: { name: 'x' } })
      .thenThrows('ROLE_NOT_FOUND');
  });
  it('permission update with the same values appends nothing', () => {
    const perm = [{ type: 'PermissionCreated' as const, data: { permissionId: 'p1', key: 'read', name: 'Read', addToNewRoles: true } }];
    deciderSpec(permissionDecider)
      .given(perm)
      .when({ type: 'UpdatePermission', data: { key: 'read', addToNewRoles: true } })
      .thenNothingHappened();
  });
});

describe('subscriber', () => {
  const added = [{ type: 'SubscriberAdded' as const, data: { subscriberId: 's1', email: 'a@b.co' } }];
  // "You can only select one."
  it.each([[[]], [[ORG, 'org_bbbbbbbbbbbb']]])('conversion with %j organizations is refused', (orgCodes) => {
    deciderSpec(subscriberDecider)
      .given(added)
      .when({ type: 'ConvertSubscriberToUser', data: { userId: 'kp_0123456789abcdef0123456789abcdef', orgCodes } })
      .thenThrows('CONVERSION_NEEDS_ONE_ORGANIZATION');
  });
});

describe('business settings', () => {
  const init = [{ type: 'BusinessSettingsInitialized' as const, data: { ...DEFAULT_BUSINESS_SETTINGS, defaultOrgCode: ORG } }];
  it('Kinde defaults: self sign-up allowed, profiles synced', () => {
    expect(DEFAULT_BUSINESS_SETTINGS).toMatchObject({ allowSelfSignUp: true, syncProfilesOnSignIn: true, addUsersToDefaultOrganization: true });
  });
  const spec = deciderSpec(businessSettingsDecider);
  it('only changed settings are recorded', () => {
    spec
      .given(init)
      .when({ type: 'UpdateBusinessSettings', data: { allowSelfSignUp: true, termsUrl: 'https://x/t' } })
      .then([{ type: 'BusinessSettingsUpdated', data: { termsUrl: 'https://x/t' } }]);
  });
  it('initializing again changes nothing', () => {
    spec
      .given(init)
      .when({ type: 'InitializeBusinessSettings', data: { defaultOrgCode: ORG } })
      .thenNothingHappened();
  });
});
