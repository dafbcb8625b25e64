import { describe, expect, it } from 'vitest';
import { organizationsProjection } from '../../src/projections/organizations/projection';
import { permissionsProjection } from '../../src/projections/permissions/projection';
import { rolesProjection } from '../../src/projections/roles/projection';
import { usersProjection } from '../../src/projections/users/projection';
import { stateFromDoc } from '../../src/projections/users/state-from-doc';
import { fold } from '../../src/domain/shared';
import { userDecider } from '../../src/domain/user/decider';
import type { UserEvent } from '../../src/domain/user/events';
import type { UserState } from '../../src/domain/user/state';
import type { RecordedEvent } from '../../src/eventstore/types';
import { foldUserView } from '../../src/projections/time-travel/user-view';
import { kindeIdentity, kindeUser } from '../../src/http/views/user-stream';
import { readModelSpec, type GivenEvent } from '../support/read-model-spec';

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

  // Kinde's `failed_sign_ins` is "Number of consecutive failed user sign ins"; `total_sign_ins` counts every success.
  // One rule (src/domain/user/sign-in-counts.ts): the users list and GET /api/v1/user (the stream fold) show the same.
  const signIn = (identityId?: string) => ({ type: 'UserSignInSucceeded', data: { method: 'password', ...(identityId ? { identityId } : {}) } });
  const failed = (identityId?: string) => ({ type: 'UserSignInFailed', data: { method: 'password', reason: 'wrong_password', ...(identityId ? { identityId } : {}) } });
  it.each([
    ['no attempt', [], 0, 0, { i_email: 0, i_user: 0 }],
    ['failures, then a success that resets them', [failed('i_email'), failed('i_user'), signIn('i_email')], 1, 0, { i_email: 1, i_user: 0 }],
    ['a success, then failures in a row', [signIn('i_user'), failed('i_email'), failed('i_user')], 1, 2, { i_email: 0, i_user: 1 }],
    ['a success naming no identity counts and resets', [failed('i_email'), signIn()], 1, 0, { i_email: 0, i_user: 0 }],
    ['a failure naming no identity counts', [failed(), failed('i_email')], 0, 2, { i_email: 0, i_user: 0 }],
    ['successes on several identities add up', [signIn('i_email'), failed(), signIn('i_user'), signIn(), failed('i_user')], 3, 1, { i_email: 1, i_user: 1 }],
  ] as const)('sign-in counts, %s: the list row and GET /api/v1/user agree', (_, attempts, total, failedInARow, byIdentity) => {
    const events: GivenEvent[] = [created, ...attempts];
    spec.given(events).thenDoc((doc) => {
      const row = usersProjection.model.row(doc, U);
      expect([row.total_sign_ins, row.failed_sign_ins]).toEqual([total, failedInARow]);
      const view = foldUserView(events.map(recordedInStream));
      expect(view).toBeDefined();
      const shown = kindeUser(view!, new Set());
      expect([shown.total_sign_ins, shown.failed_sign_ins]).toEqual([total, failedInARow]);
      // Per identity: the document's and Kinde's identity `total_logins`.
      const logins = (ids: { id: string; total_logins: number }[]) => Object.fromEntries(ids.map((i) => [i.id, i.total_logins]));
      expect(logins(doc.identities)).toEqual(byIdentity);
      expect(logins(view!.user.identities.map((i) => kindeIdentity(view!, i)))).toEqual(byIdentity);
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

/*
 * The users document is the domain's user state mapped (src/projections/users/doc-from-state.ts):
 * where the read model's own fold used to differ from the domain's, it now shows what the domain
 * state says. One spec per former difference, then the round trip that keeps the mapper complete.
 */
describe('users read model: the domain state, mapped', () => {
  const spec = readModelSpec(usersProjection, `user-${U}`);
  const bcrypt = { method: 'bcrypt', hash: '$2a$10$t8Jz3hJCCTFk/Acja7bw3OpamB3xuLPhpJlRHb31bXIjfzeTfn8rq' };
  const env = { type: 'environment' };
  const imported = (data: Record<string, unknown>, occurredAt = T(0)) => ({
    type: 'UserImported',
    data: { userId: U, isNew: true, mode: 'merge', identities: [email], organizations: [], properties: {}, featureFlags: {}, ...data },
    occurredAt,
  });

  it('1. an imported password waits for its one-time code; one set by an admin (temporary or not) is verified', () => {
    spec.given([imported({ password: bcrypt, passwordVerified: false })]).thenDoc((doc) => {
      expect(doc.password).toEqual({ has_password: true, method: 'bcrypt', is_temporary: false, is_temporary_used: false, is_verified: false });
    });
    spec.given([imported({ password: bcrypt, passwordVerified: false }), { type: 'UserPasswordSet', data: { password: bcrypt, isTemporary: false } }]).thenDoc((doc) => {
      expect(doc.password).toEqual({ has_password: true, method: 'bcrypt', is_temporary: false, is_temporary_used: false, is_verified: true });
    });
    spec.given([imported({ password: bcrypt, passwordVerified: false }), { type: 'UserTemporaryPasswordSet', data: { password: bcrypt } }]).thenDoc((doc) => {
      expect(doc.password).toEqual({ has_password: true, method: 'bcrypt', is_temporary: true, is_temporary_used: false, is_verified: true });
    });
  });

  it('2. signing in with a temporary password spends it (the state says so; the read model used to re-mark it temporary only)', () => {
    spec
      .given([
        created,
        { type: 'UserTemporaryPasswordSet', data: { password: bcrypt } },
        { type: 'UserSignInSucceeded', data: { method: 'temporary_password', identityId: 'i_email' }, occurredAt: T(4) },
      ])
      .thenDoc((doc) => {
        expect(doc.password).toEqual({ has_password: true, method: 'bcrypt', is_temporary: true, is_temporary_used: true, is_verified: true });
        expect(doc).toMatchObject({ total_sign_ins: 1, last_signed_in: T(4) });
      });
  });

  it('3. a factor enrolled again under the same id is listed as the domain lists it (no longer replaced), and one reset removes it', () => {
    const enrolled = [
      created,
      { type: 'MfaFactorEnrolled', data: { factorId: 'f1', method: 'sms', scope: env }, occurredAt: T(1) },
      { type: 'MfaFactorEnrolled', data: { factorId: 'f1', method: 'authenticator_app', scope: env }, occurredAt: T(2) },
    ];
    spec.given(enrolled).thenDoc((doc) => {
      expect(doc.mfa.factors.map((f) => [f.factor_id, f.method, f.enrolled_on])).toEqual([
        ['f1', 'sms', T(1)],
        ['f1', 'authenticator_app', T(1)],
      ]);
    });
    spec
      .given([...enrolled, { type: 'MfaFactorReset', data: { factorId: 'f1', method: 'sms', scope: env, scopeFullyReset: true, optInRequired: false } }])
      .thenDoc((doc) => expect(doc.mfa).toEqual({ factors: [], opted_out: [], setup_required: ['environment'] }));
  });

  it('4. adding a member to an organization again changes nothing (the read model used to merge the roles)', () => {
    spec.given([created, { type: 'UserAddedToOrganization', data: { orgCode: ORG, roleIds: ['r2'] }, occurredAt: T(3) }]).thenDoc((doc) => {
      expect(doc.organizations).toEqual({ [ORG]: { role_ids: ['r1'], permission_ids: [], joined_on: T(0) } });
    });
  });

  it('5. an import landing on a deleted user leaves them deleted (the read model used to bring them back)', () => {
    const deleted = { type: 'UserDeleted', data: { removedFromOrganizations: [ORG], releasedEmails: ['rosy@example.com'], releasedUsernames: ['rosy'], releasedPhones: [] }, occurredAt: T(9) };
    spec.given([created, deleted, imported({ firstName: 'Again' }, T(10))]).thenDoc((doc) => {
      expect(doc).toMatchObject({ status: 'deleted', first_name: null, identities: [], created_on: T(0), updated_on: T(9) });
      expect(usersProjection.model.row(doc, U)).toMatchObject({ status: 'deleted', email: null });
    });
  });

  it('an imported user: created when the previous provider says, from the import', () => {
    spec.given([imported({ firstName: 'Rosy', createdAtSource: '2020-05-01T00:00:00Z' }, T(1))]).thenDoc((doc) => {
      expect(doc).toMatchObject({ created_on: '2020-05-01T00:00:00.000Z', updated_on: T(1), first_name: 'Rosy', sources: ['import'] });
      expect(doc.identities).toEqual([{ ...identityDoc(email), created_on: T(1) }]);
    });
  });

  it('a restored user has no suspension; a revoked one neither, and no organizations', () => {
    const suspended = { type: 'UserSuspended', data: { reason: 'fraud' }, occurredAt: T(5) };
    spec.given([created, suspended, { type: 'UserRestored', data: {} }]).thenDoc((doc) => expect(doc).toMatchObject({ status: 'active', suspension: null }));
    spec.given([created, suspended, { type: 'UserAccessRevoked', data: { removedFromOrganizations: [ORG] } }]).thenDoc((doc) => {
      expect(doc).toMatchObject({ status: 'access_revoked', suspension: null, organizations: {} });
    });
  });

  // Every part of the domain state the document shows reads back unchanged, so the next event folds
  // from the same state the decider sees: a state field the mapper misses fails here.
  it.each([
    [
      'created, then everything a command can change',
      [
        created,
        { type: 'UserUpdated', data: { lastName: null, picture: 'https://x/p.png' } },
        { type: 'IdentityAdded', data: { identity: { id: 'i_google', type: 'oauth2:google', identity: 'g-1', isVerified: true, isPrimary: false, provider: 'google' } } },
        { type: 'IdentityMadePrimary', data: { identityId: 'i_email' } },
        { type: 'UserPropertySet', data: { key: 'city', value: 'Perth' } },
        { type: 'FeatureFlagOverrideSet', data: { key: 'beta', value: 'true' } },
        { type: 'UserPasswordSet', data: { password: bcrypt, isTemporary: true } },
        { type: 'UserSignInSucceeded', data: { method: 'temporary_password', identityId: 'i_email' } },
        { type: 'UserSignInFailed', data: { method: 'password', identityId: 'i_user', reason: 'wrong_password' } },
        { type: 'UserSignInFailed', data: { method: 'otp', reason: 'other' } },
        { type: 'UserPasswordResetRequested', data: {} },
        { type: 'MfaFactorEnrolled', data: { factorId: 'f1', method: 'sms', scope: { type: 'organization', orgCode: ORG } } },
        { type: 'MfaOptedOut', data: { scope: env } },
        { type: 'PolicyAccepted', data: { policy: 'terms', url: 'https://x/terms', version: '2', acceptedAt: T(0) } },
        { type: 'PermissionGrantedToUser', data: { orgCode: ORG, permissionId: 'p1' } },
        { type: 'UserSuspended', data: {} },
      ],
    ],
    [
      'imported with a password, verified',
      [
        imported({
          providedId: 'ext-1',
          lastName: 'Rose',
          password: bcrypt,
          passwordVerified: true,
          organizations: [{ orgCode: ORG, roleIds: ['r1'], permissionIds: ['p1'] }],
          properties: { a: '1' },
        }),
      ],
    ],
    ['deleted', [created, { type: 'UserDeleted', data: { removedFromOrganizations: [], releasedEmails: [], releasedUsernames: [], releasedPhones: [] } }]],
  ])('the document reads back as the domain state: %s', (_, events) => {
    spec.given(events).thenDoc((doc) => {
      const state = fold(
        userDecider,
        events.map((e) => ({ type: e.type, data: e.data }) as UserEvent),
      );
      expect(stateFromDoc(doc)).toEqual(withoutWhatTheDocumentNeverHolds(state));
    });
  });
});

/** A given event as the store records it on the user's stream (what foldUserView reads). */
function recordedInStream(e: GivenEvent, revision: number): RecordedEvent {
  const occurredAt = e.occurredAt ?? T(revision);
  return {
    id: `event-${revision}`,
    type: e.type,
    data: e.data,
    metadata: { actor: { type: 'admin', id: 'spec' }, source: 'admin', occurredAt },
    streamId: `user-${U}`,
    revision,
    position: String(revision + 1),
    recordedAt: new Date(occurredAt),
  };
}

const identityDoc = (i: typeof email) => ({
  id: i.id,
  type: i.type,
  identity: i.identity,
  is_verified: i.isVerified,
  is_primary: i.isPrimary,
  provider: null,
  total_logins: 0,
  failed_logins: 0,
  last_login_on: null,
});

/** The hash (the method stays), provider profiles and the sign-in counts of identities no longer held: see state-from-doc.ts. */
function withoutWhatTheDocumentNeverHolds(state: UserState): UserState {
  if (state.status === 'none' || state.status === 'deleted') return state;
  const held = new Set(state.identities.map((i) => i.id));
  return {
    ...state,
    identities: state.identities.map(({ profile: _, ...i }) => i),
    ...(state.password ? { password: { ...state.password, stored: { method: state.password.stored.method, hash: '' } } } : {}),
    signIns: Object.fromEntries(Object.entries(state.signIns).filter(([id]) => held.has(id))),
  };
}

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
