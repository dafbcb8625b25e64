import { describe, expect, it } from 'vitest';
import { organizationsProjection } from '../../src/projections/organizations/projection';
import { permissionsProjection } from '../../src/projections/permissions/projection';
import { rolesProjection } from '../../src/projections/roles/projection';
import { usersProjection } from '../../src/projections/users/projection';
import { readModelSpec } from '../support/read-model-spec';

/** Each document read model's evolve, given events, then the row it derives — no database. */

const U = 'kp_0123456789abcdef0123456789abcdef';
const ORG = 'org_aaaaaaaaaaaa';
const T = (minute: number) => `2026-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const email = { id: 'i_email', type: 'email', identity: 'Rosy@Example.com', isVerified: true, isPrimary: true };
const username = { id: 'i_user', type: 'username', identity: 'rosy', isVerified: false, isPrimary: false };
const created = {
  type: 'UserCreated',
  data: { userId: U, firstName: 'Rosy', lastName: 'Rose', identities: [email, username], organizations: [{ orgCode: ORG, roleIds: ['r1'], permissionIds: [] }] },
  occurredAt: T(0),
};

describe('users read model', () => {
  const spec = readModelSpec(usersProjection, `user-${U}`);

  it('a created user: primary email and username, lower-cased sort keys, member of one organization', () => {
    spec.given([created]).thenRow({
      status: 'active',
      provided_id: null,
      email: 'Rosy@Example.com',
      username: 'rosy',
      phone: null,
      first_name: 'Rosy',
      last_name: 'Rose',
      full_name: 'Rosy Rose',
      picture: null,
      is_suspended: false,
      is_password_reset_requested: false,
      has_password: false,
      created_on: T(0),
      updated_on: T(0),
      last_signed_in: null,
      total_sign_ins: 0,
      failed_sign_ins: 0,
      organizations: [ORG],
      sort_name: 'rosy rose',
      sort_email: 'rosy@example.com',
    });
  });

  it('a suspension is a status and a reason with its time', () => {
    spec.given([created, { type: 'UserSuspended', data: { reason: 'fraud' }, occurredAt: T(5) }]).thenDoc((doc) => {
      expect(doc).toMatchObject({ status: 'suspended', suspension: { reason: 'fraud', suspended_on: T(5) }, updated_on: T(5) });
    });
  });

  it('failed sign-ins count until the next success, which resets them and counts on the identity', () => {
    spec
      .given([
        created,
        { type: 'UserSignInFailed', data: { method: 'password', identityId: 'i_email', reason: 'wrong_password' }, occurredAt: T(1) },
        { type: 'UserSignInFailed', data: { method: 'password', identityId: 'i_email', reason: 'wrong_password' }, occurredAt: T(2) },
        { type: 'UserSignInSucceeded', data: { method: 'password', identityId: 'i_email', orgCode: ORG }, occurredAt: T(3) },
      ])
      .thenDoc((doc) => {
        expect(doc).toMatchObject({ total_sign_ins: 1, failed_sign_ins: 0, last_signed_in: T(3), last_organization_sign_ins: { [ORG]: T(3) } });
        expect(doc.identities.find((i) => i.id === 'i_email')).toMatchObject({ total_logins: 1, failed_logins: 2, last_login_on: T(3) });
      });
  });

  it('a new primary email replaces the old one in the row', () => {
    const other = { id: 'i_other', type: 'email', identity: 'other@example.com', isVerified: true, isPrimary: false };
    spec
      .given([created, { type: 'IdentityAdded', data: { identity: other } }, { type: 'IdentityMadePrimary', data: { identityId: 'i_other' } }])
      .thenDoc((doc) => expect(usersProjection.model.row(doc, U)).toMatchObject({ email: 'other@example.com', sort_email: 'other@example.com' }));
  });

  it('a deleted user keeps a bare row marked deleted (a replay stays idempotent)', () => {
    const deleted = { type: 'UserDeleted', data: { removedFromOrganizations: [ORG], releasedEmails: ['rosy@example.com'], releasedUsernames: ['rosy'], releasedPhones: [] }, occurredAt: T(9) };
    spec.given([created, deleted]).thenDoc((doc) => {
      expect(doc).toMatchObject({ status: 'deleted', identities: [], organizations: {}, first_name: null, created_on: T(0), updated_on: T(9) });
    });
  });

  it('MFA: enrolling clears an opt-out; resetting the last factor of a scope makes setup required there', () => {
    const env = { type: 'environment' };
    spec
      .given([
        created,
        { type: 'MfaOptedOut', data: { scope: env } },
        { type: 'MfaFactorEnrolled', data: { factorId: 'f1', method: 'sms', scope: env }, occurredAt: T(2) },
        { type: 'MfaFactorReset', data: { factorId: 'f1', scope: env, method: 'sms', scopeFullyReset: true, optInRequired: false } },
      ])
      .thenDoc((doc) => expect(doc.mfa).toEqual({ factors: [], opted_out: [], setup_required: ['environment'] }));
  });

  it('events of a stream that never had a user make no row', () => {
    spec.given([{ type: 'UserSuspended', data: {} }]).thenNoRow();
  });
});

describe('roles read model', () => {
  const spec = readModelSpec(rolesProjection, 'role-r1');
  const role = { type: 'RoleCreated', data: { roleId: 'r1', key: 'admin', name: 'Admin', assignToNewUsers: false, permissionIds: ['p1', 'p1'] } };

  it('a created role keeps its permissions once each', () => {
    spec.given([role]).thenRow({ key: 'admin', name: 'Admin', deleted: false, permission_ids: ['p1'] });
  });
  it('a permission added and another removed', () => {
    spec
      .given([role, { type: 'PermissionAddedToRole', data: { permissionId: 'p2' } }, { type: 'PermissionRemovedFromRole', data: { permissionId: 'p1' } }])
      .thenRow({ key: 'admin', name: 'Admin', deleted: false, permission_ids: ['p2'] });
  });
  it('a deleted role is marked deleted, not removed', () => {
    spec.given([role, { type: 'RoleDeleted', data: { key: 'admin' } }]).thenRow({ key: 'admin', name: 'Admin', deleted: true, permission_ids: ['p1'] });
  });
});

describe('permissions read model', () => {
  const spec = readModelSpec(permissionsProjection, 'permission-p1');
  const created = { type: 'PermissionCreated', data: { permissionId: 'p1', key: 'read', name: 'Read', addToNewRoles: true } };
  it('a renamed permission', () => {
    spec.given([created, { type: 'PermissionUpdated', data: { name: 'Read things' } }]).thenRow({ key: 'read', name: 'Read things', deleted: false });
  });
});

describe('organizations read model', () => {
  const spec = readModelSpec(organizationsProjection, `organization-${ORG}`);
  it('a created organization, then renamed', () => {
    spec
      .given([
        { type: 'OrganizationCreated', data: { orgCode: ORG, name: 'Acme', externalId: 'x-1', isDefault: false }, occurredAt: T(0) },
        { type: 'OrganizationUpdated', data: { name: 'Acme Ltd' } },
      ])
      .thenRow({ name: 'Acme Ltd', external_id: 'x-1', is_default: false, deleted: false, created_on: T(0) });
  });
});
