import { describe, expect, it } from 'vitest';
import { eventSchemas } from '../../src/domain/events';
import { fold } from '../../src/domain/shared';
import { userDecider, type UserCommand } from '../../src/domain/user/decider';
import type { UserEvent } from '../../src/domain/user/events';
import { identityIdFor } from '../../src/domain/user/identity';
import { decideImport, type ImportRecord } from '../../src/domain/user/import';
import { checkTemporaryPasswordStrength } from '../../src/domain/user/password-strength';
import { userReservationChanges } from '../../src/domain/user/reservations';
import { deciderSpec } from '../support/decider-spec';

const U = 'kp_0123456789abcdef0123456789abcdef';
const ORG = 'org_aaaaaaaaaaaa';
const ORG2 = 'org_bbbbbbbbbbbb';
const bcrypt = { method: 'bcrypt' as const, hash: '$2a$10$t8Jz3hJCCTFk/Acja7bw3OpamB3xuLPhpJlRHb31bXIjfzeTfn8rq' };

const created: UserEvent = {
  type: 'UserCreated',
  data: {
    userId: U,
    firstName: 'Rosy',
    identities: [{ id: identityIdFor(U, 'email', 'rosy@example.com'), type: 'email', identity: 'rosy@example.com', isVerified: true, isPrimary: true }],
    organizations: [{ orgCode: ORG, roleIds: [], permissionIds: [] }],
  },
};

const spec = deciderSpec(userDecider);

function expectCode(fn: () => unknown, code: string) {
  expect(fn).toThrow(expect.objectContaining({ code }));
}

/** Every produced event must validate against the catalogue. */
function valid(events: readonly UserEvent[]) {
  for (const e of events) eventSchemas[e.type].parse(e.data);
  return events;
}

describe('CreateUser', () => {
  it('creates a user with the first email as primary and default roles', () => {
    const events = valid(
      spec
        .given([])
        .when({
          type: 'CreateUser',
          data: {
            userId: U,
            identities: [
              { type: 'username', identity: 'RosyRose' },
              { type: 'email', identity: 'Rosy@Example.com' },
            ],
            organizations: [{ orgCode: ORG, roleIds: ['r1'] }],
          },
        })
        .events(),
    );
    expect(events).toHaveLength(1);
    const data = events[0]!.data as Extract<UserEvent, { type: 'UserCreated' }>['data'];
    expect(data.identities.map((i) => [i.type, i.isPrimary])).toEqual([
      ['username', false],
      ['email', true],
    ]);
    expect(data.organizations).toEqual([{ orgCode: ORG, roleIds: ['r1'], permissionIds: [] }]);
  });

  it('refuses a second creation of the same stream', () => {
    spec
      .given([created])
      .when({ type: 'CreateUser', data: { userId: U, identities: [], organizations: [] } })
      .thenThrows('USER_ALREADY_EXISTS');
  });

  // "Users with enterprise identities in Kinde can't also have other identity types."
  it.each([
    [
      [
        { type: 'enterprise:saml', identity: 'abc' },
        { type: 'email', identity: 'a@b.co' },
      ],
    ],
    [
      [
        { type: 'oauth2:google', identity: '123' },
        { type: 'enterprise:wsfed', identity: 'x' },
      ],
    ],
  ])('refuses mixing enterprise with other identity types %#', (identities) => {
    spec
      .given([])
      .when({ type: 'CreateUser', data: { userId: U, identities, organizations: [] } })
      .thenThrows('ENTERPRISE_IDENTITY_EXCLUSIVE');
  });

  it.each([
    ['phone', '0412345678'],
    ['email', 'not-an-email'],
    ['username', 'has space'],
  ])('refuses an invalid %s identity', (type, identity) => {
    spec
      .given([])
      .when({ type: 'CreateUser', data: { userId: U, identities: [{ type, identity }], organizations: [] } })
      .thenThrows('IDENTITY_INVALID');
  });
});

describe('enterprise exclusivity on AddIdentity', () => {
  it('a user with an email cannot add an enterprise identity', () => {
    spec
      .given([created])
      .when({ type: 'AddIdentity', data: { identity: { type: 'enterprise:saml', identity: 'e1' } } })
      .thenThrows('ENTERPRISE_IDENTITY_EXCLUSIVE');
  });
  it('a user with an enterprise identity cannot add a social identity', () => {
    const ent: UserEvent = { type: 'UserCreated', data: { userId: U, identities: [{ id: 'i1', type: 'enterprise:saml', identity: 'e1', isVerified: true, isPrimary: false }], organizations: [] } };
    spec
      .given([ent])
      .when({ type: 'AddIdentity', data: { identity: { type: 'oauth2:google', identity: '1' } } })
      .thenThrows('ENTERPRISE_IDENTITY_EXCLUSIVE');
  });
  it('email plus social is fine ("a user can have an email identity and a social identity")', () => {
    expect(
      spec
        .given([created])
        .when({ type: 'AddIdentity', data: { identity: { type: 'oauth2:google', identity: '1', provider: 'google' } } })
        .events(),
    ).toHaveLength(1);
  });
});

describe('commands that change nothing append nothing', () => {
  const withEverything: UserEvent[] = [
    created,
    { type: 'RoleAssignedToUser', data: { orgCode: ORG, roleId: 'r1' } },
    { type: 'PermissionGrantedToUser', data: { orgCode: ORG, permissionId: 'p1' } },
    { type: 'UserPropertySet', data: { key: 'k', value: 'v' } },
    { type: 'FeatureFlagOverrideSet', data: { key: 'f', value: 'true' } },
    { type: 'PolicyAccepted', data: { policy: 'terms', url: 'https://x/terms', version: '1', acceptedAt: '2024-01-01T00:00:00Z' } },
    { type: 'UserPasswordSet', data: { password: bcrypt, isTemporary: false } },
    // After the password: a new password answers a reset request.
    { type: 'UserPasswordResetRequested', data: {} },
  ];
  it.each<[string, UserCommand]>([
    ['UpdateUser same name', { type: 'UpdateUser', data: { firstName: 'Rosy' } }],
    ['RestoreUser when active', { type: 'RestoreUser', data: {} }],
    ['AssignRole already held', { type: 'AssignRole', data: { orgCode: ORG, roleId: 'r1', roleExists: true } }],
    ['RemoveRole not held', { type: 'RemoveRole', data: { orgCode: ORG, roleId: 'r9' } }],
    ['GrantPermission already held', { type: 'GrantPermission', data: { orgCode: ORG, permissionId: 'p1', permissionExists: true } }],
    ['RevokePermission not held', { type: 'RevokePermission', data: { orgCode: ORG, permissionId: 'p9' } }],
    ['AddUserToOrganization already member', { type: 'AddUserToOrganization', data: { orgCode: ORG, roleIds: [] } }],
    ['RemoveUserFromOrganization not member', { type: 'RemoveUserFromOrganization', data: { orgCode: ORG2 } }],
    ['SetUserProperty same value', { type: 'SetUserProperty', data: { key: 'k', value: 'v' } }],
    ['SetFeatureFlagOverride same value', { type: 'SetFeatureFlagOverride', data: { key: 'f', value: 'true' } }],
    ['AcceptPolicy same version', { type: 'AcceptPolicy', data: { policy: 'terms', url: 'https://x/terms', version: '1', acceptedAt: '2024-02-01T00:00:00Z' } }],
    ['RequestPasswordReset again', { type: 'RequestPasswordReset', data: {} }],
    ['SetPassword same hash', { type: 'SetPassword', data: { password: bcrypt, isTemporary: false } }],
    ['AddIdentity same email other case', { type: 'AddIdentity', data: { identity: { type: 'email', identity: 'ROSY@example.com' } } }],
    ['DeleteIdentity unknown', { type: 'DeleteIdentity', data: { identityId: 'nope' } }],
  ])('%s', (_name, command) => {
    spec.given(withEverything).when(command).thenNothingHappened();
  });
});

describe('access within an organization', () => {
  // "Roles and permissions cannot be assigned to a user unless they belong to an organization."
  it.each<UserCommand>([
    { type: 'AssignRole', data: { orgCode: ORG2, roleId: 'r1', roleExists: true } },
    { type: 'GrantPermission', data: { orgCode: ORG2, permissionId: 'p1', permissionExists: true } },
    { type: 'RemoveRole', data: { orgCode: ORG2, roleId: 'r1' } },
    { type: 'RevokePermission', data: { orgCode: ORG2, permissionId: 'p1' } },
  ])('refuses $type for a non-member', (command) => {
    spec.given([created]).when(command).thenThrows('USER_NOT_IN_ORGANIZATION');
  });
  it('refuses a role that does not exist (deleted roles never revive)', () => {
    spec
      .given([created])
      .when({ type: 'AssignRole', data: { orgCode: ORG, roleId: 'r1', roleExists: false } })
      .thenThrows('ROLE_NOT_FOUND');
  });
  it('refuses a permission that does not exist', () => {
    spec
      .given([created])
      .when({ type: 'GrantPermission', data: { orgCode: ORG, permissionId: 'p1', permissionExists: false } })
      .thenThrows('PERMISSION_NOT_FOUND');
  });
  it('assigns to a member', () => {
    spec
      .given([created])
      .when({ type: 'AssignRole', data: { orgCode: ORG, roleId: 'r1', roleExists: true } })
      .then([{ type: 'RoleAssignedToUser', data: { orgCode: ORG, roleId: 'r1' } }]);
  });
  it('removing from an organization drops its roles; re-joining starts from the org default roles', () => {
    const state = fold(userDecider, [
      created,
      { type: 'RoleAssignedToUser', data: { orgCode: ORG, roleId: 'r1' } },
      { type: 'UserRemovedFromOrganization', data: { orgCode: ORG } },
      { type: 'UserAddedToOrganization', data: { orgCode: ORG, roleIds: ['d1'] } },
    ]);
    expect(state.status === 'active' && state.organizations[ORG]).toEqual({ roleIds: ['d1'], permissionIds: [] });
  });
});

describe('suspension and deletion', () => {
  it('suspends an active user', () => {
    spec
      .given([created])
      .when({ type: 'SuspendUser', data: {} })
      .then([{ type: 'UserSuspended', data: {} }]);
  });
  it('suspending a suspended user changes nothing', () => {
    spec
      .given([created, { type: 'UserSuspended', data: {} }])
      .when({ type: 'SuspendUser', data: {} })
      .thenNothingHappened();
  });
  it('restores a suspended user', () => {
    spec
      .given([created, { type: 'UserSuspended', data: {} }])
      .when({ type: 'RestoreUser', data: {} })
      .then([{ type: 'UserRestored', data: {} }]);
  });
  it('revoke access removes every organization but keeps the profile', () => {
    const events = spec
      .given([created])
      .when({ type: 'DeleteUser', data: { extent: 'revoke_access' } })
      .events();
    expect(events).toEqual([{ type: 'UserAccessRevoked', data: { removedFromOrganizations: [ORG] } }]);
    const state = fold(userDecider, [created, ...events]);
    expect(state.status).toBe('access_revoked');
    expect(state.status === 'access_revoked' && state.firstName).toBe('Rosy');
  });
  it('delete profile frees email, username, phone and provided id', () => {
    const c: UserEvent = {
      type: 'UserCreated',
      data: {
        userId: U,
        providedId: 'ext-1',
        identities: [
          { id: 'a', type: 'email', identity: 'Rosy@Example.com', isVerified: true, isPrimary: true },
          { id: 'b', type: 'username', identity: 'RosyRose', isVerified: false, isPrimary: false },
          { id: 'c', type: 'phone', identity: '+61412345678', isVerified: false, isPrimary: false },
        ],
        organizations: [],
      },
    };
    const events = spec
      .given([c])
      .when({ type: 'DeleteUser', data: { extent: 'delete_profile' } })
      .events();
    expect(events[0]).toEqual({
      type: 'UserDeleted',
      data: { removedFromOrganizations: [], releasedEmails: ['rosy@example.com'], releasedUsernames: ['rosyrose'], releasedPhones: ['+61412345678'], releasedProvidedId: 'ext-1' },
    });
    expect(userReservationChanges(events[0]!).map((r) => `${r.action}:${r.kind}:${r.value}`)).toEqual([
      'release:email:rosy@example.com',
      'release:username:rosyrose',
      'release:phone:+61412345678',
      'release:provided_id:ext-1',
    ]);
    spec
      .given([c, ...events])
      .when({ type: 'UpdateUser', data: { firstName: 'x' } })
      .thenThrows('USER_DELETED');
  });
  it('a missing user is USER_NOT_FOUND', () => {
    spec.given([]).when({ type: 'SuspendUser', data: {} }).thenThrows('USER_NOT_FOUND');
  });
});

describe('identities', () => {
  it('usernames reserve case-insensitively ("RosyRose" and "rosyrose" clash)', () => {
    const events = spec
      .given([created])
      .when({ type: 'AddIdentity', data: { identity: { type: 'username', identity: 'RosyRose' } } })
      .events();
    expect(userReservationChanges(events[0]!)).toEqual([{ action: 'claim', kind: 'username', value: 'rosyrose' }]);
  });
  const withUsername: UserEvent[] = [created, { type: 'IdentityAdded', data: { identity: { id: 'u1', type: 'username', identity: 'rosy', isVerified: false, isPrimary: false } } }];
  it('only a contact identity can be primary', () => {
    spec
      .given(withUsername)
      .when({ type: 'MakeIdentityPrimary', data: { identityId: 'u1' } })
      .thenThrows('IDENTITY_NOT_CONTACT');
  });
  it('an unknown identity cannot be made primary', () => {
    spec
      .given(withUsername)
      .when({ type: 'MakeIdentityPrimary', data: { identityId: 'zz' } })
      .thenThrows('IDENTITY_NOT_FOUND');
  });
  it('making another email primary leaves exactly one primary', () => {
    const e2: UserEvent = { type: 'IdentityAdded', data: { identity: { id: 'e2', type: 'email', identity: 'other@example.com', isVerified: false, isPrimary: false } } };
    const events = spec
      .given([created, e2])
      .when({ type: 'MakeIdentityPrimary', data: { identityId: 'e2' } })
      .events();
    const state = fold(userDecider, [created, e2, ...events]);
    expect(state.status === 'active' && state.identities.filter((i) => i.isPrimary).map((i) => i.id)).toEqual(['e2']);
  });
  it('deleting the primary promotes the next contact identity', () => {
    const e2: UserEvent = { type: 'IdentityAdded', data: { identity: { id: 'e2', type: 'email', identity: 'other@example.com', isVerified: false, isPrimary: false } } };
    const primaryId = identityIdFor(U, 'email', 'rosy@example.com');
    const events = spec
      .given([created, e2])
      .when({ type: 'DeleteIdentity', data: { identityId: primaryId } })
      .events();
    expect(events[0]).toMatchObject({ type: 'IdentityDeleted', data: { identityId: primaryId, newPrimaryIdentityId: 'e2' } });
  });
});

describe('MFA', () => {
  const env = { type: 'environment' } as const;
  const enrolled: UserEvent[] = [
    created,
    { type: 'MfaFactorEnrolled', data: { factorId: 'f1', method: 'authenticator_app', scope: env } },
    { type: 'MfaFactorEnrolled', data: { factorId: 'f2', method: 'sms', scope: env } },
  ];
  // "If a user has multiple MFA methods set up, you need to remove each method to fully reset MFA."
  it('removing one of two methods does not fully reset the scope; removing the last does', () => {
    const first = spec
      .given(enrolled)
      .when({ type: 'ResetMfa', data: { scope: env, method: 'sms' } })
      .events();
    expect(first[0]).toMatchObject({ type: 'MfaFactorReset', data: { factorId: 'f2', scopeFullyReset: false } });
    const second = spec
      .given([...enrolled, ...first])
      .when({ type: 'ResetMfa', data: { scope: env, method: 'authenticator_app' } })
      .events();
    expect(second[0]).toMatchObject({ data: { factorId: 'f1', scopeFullyReset: true } });
  });
  it('a reset in one organization leaves the environment factors alone', () => {
    spec
      .given(enrolled)
      .when({ type: 'ResetMfa', data: { scope: { type: 'organization', orgCode: ORG }, method: 'sms' } })
      .thenThrows('MFA_FACTOR_NOT_FOUND');
  });
  // "If the user has previously opted out of MFA, they will be prompted to opt-in again."
  it('an opted-out user is asked to opt in again', () => {
    const events = spec
      .given([...enrolled, { type: 'MfaOptedOut', data: { scope: env } }])
      .when({ type: 'ResetMfa', data: { scope: env, factorId: 'f1' } })
      .events();
    expect(events[0]).toMatchObject({ data: { optInRequired: true } });
  });
  it('enrolling in an organization requires membership', () => {
    spec
      .given([created])
      .when({ type: 'EnrollMfaFactor', data: { factorId: 'x', method: 'sms', scope: { type: 'organization', orgCode: ORG2 } } })
      .thenThrows('USER_NOT_IN_ORGANIZATION');
  });
});

describe('policies and sign-up', () => {
  const settings = { termsUrl: 'https://x/terms', privacyUrl: 'https://x/privacy', showPolicyAcceptance: true, allowSelfSignUp: true, syncProfilesOnSignIn: true, addUsersToDefaultOrganization: true };
  const signUp = (over: Partial<typeof settings>, accepted: { terms?: boolean; privacy?: boolean }): UserCommand => ({
    type: 'SignUp',
    data: { userId: U, identities: [{ type: 'email', identity: 'a@b.co' }], organizations: [{ orgCode: ORG, roleIds: [] }], settings: { ...settings, ...over }, accepted, now: '2024-05-01T00:00:00Z' },
  });
  it('refuses sign-up when self sign-up is off', () => {
    spec
      .given([])
      .when(signUp({ allowSelfSignUp: false }, { terms: true, privacy: true }))
      .thenThrows('SELF_SIGN_UP_DISABLED');
  });
  it('requires explicit acceptance of both policies when the checkbox is shown', () => {
    spec
      .given([])
      .when(signUp({}, { terms: true }))
      .thenThrows('POLICY_ACCEPTANCE_REQUIRED');
  });
  it('records each accepted policy when the checkbox is shown', () => {
    spec
      .given([])
      .when(signUp({}, { terms: true, privacy: true }))
      .then((events) => expect(events.map((e) => e.type)).toEqual(['UserSignedUp', 'PolicyAccepted', 'PolicyAccepted']));
  });
  it('acceptance is implied (no PolicyAccepted) when the checkbox is off', () => {
    expect(
      spec
        .given([])
        .when(signUp({ showPolicyAcceptance: false }, {}))
        .events()
        .map((e) => e.type),
    ).toEqual(['UserSignedUp']);
  });
  // "when one of the policies is updated and new acceptance is recorded, the accepted date will also change"
  it('re-acceptance of an updated policy records a new date', () => {
    const first: UserEvent = { type: 'PolicyAccepted', data: { policy: 'terms', url: 'https://x/terms', version: '1', acceptedAt: '2024-01-01T00:00:00Z' } };
    const events = spec
      .given([created, first])
      .when({ type: 'AcceptPolicy', data: { policy: 'terms', url: 'https://x/terms', version: '2', acceptedAt: '2024-06-01T00:00:00Z' } })
      .events();
    expect(events).toEqual([{ type: 'PolicyAccepted', data: { policy: 'terms', url: 'https://x/terms', version: '2', acceptedAt: '2024-06-01T00:00:00Z' } }]);
  });
});

describe('passwords', () => {
  it('a temporary password is single use', () => {
    const set = spec
      .given([created])
      .when({ type: 'SetTemporaryPassword', data: { password: bcrypt, strength: { ok: true } } })
      .events();
    const state = fold(userDecider, [created, ...set, { type: 'UserSignInSucceeded', data: { method: 'temporary_password', identityId: 'x' } }]);
    expect(state.status === 'active' && state.password).toMatchObject({ isTemporary: true, temporaryUsed: true });
    expect(state.status === 'active' && state.signIns['x']).toEqual({ succeeded: 1, failed: 0 });
  });
  // "if you do not also include a TRUE in the password_verified column of the CSV, Kinde will send a
  // one-time password to the user the first time they try to sign in": the code is for imported
  // passwords only, so a password set by an admin or the API is verified.
  const importedUnverified: UserEvent = {
    type: 'UserImported',
    data: { userId: U, isNew: true, mode: 'merge', identities: created.data.identities, organizations: [], properties: {}, featureFlags: {}, password: bcrypt, passwordVerified: false },
  };
  const passwordVerified = (events: readonly UserEvent[]) => {
    const state = fold(userDecider, events);
    return state.status === 'active' && state.passwordVerified;
  };
  it('an imported password without password_verified waits for a one-time code', () => {
    expect(passwordVerified([importedUnverified])).toBe(false);
  });
  it('a password set over an unverified imported one is verified', () => {
    expect(passwordVerified([importedUnverified, { type: 'UserPasswordSet', data: { password: bcrypt, isTemporary: false } }])).toBe(true);
  });
  it('a temporary password set over an unverified imported one is verified', () => {
    expect(passwordVerified([importedUnverified, { type: 'UserTemporaryPasswordSet', data: { password: bcrypt } }])).toBe(true);
  });
  it('marking a set password verified records nothing', () => {
    spec
      .given([importedUnverified, { type: 'UserPasswordSet', data: { password: bcrypt, isTemporary: false } }])
      .when({ type: 'MarkPasswordVerified', data: {} })
      .thenNothingHappened();
  });
  it('refuses a weak temporary password', () => {
    spec
      .given([created])
      .when({ type: 'SetTemporaryPassword', data: { password: bcrypt, strength: { ok: false, reason: 'too common' } } })
      .thenThrows('PASSWORD_TOO_WEAK');
  });
  // "The password must be more than 8 characters, not common or guessable (e.g. not Password123)."
  it.each([
    ['Password123', false],
    ['short', false],
    ['12345678', false],
    ['abcdefgh', false],
    ['aaaaaaaaaaaa', false],
    ['correct-Horse-7-battery', true],
  ])('strength of %s is ok=%s', (pw, ok) => {
    expect(checkTemporaryPasswordStrength(pw).ok).toBe(ok);
  });
});

describe('decideImport', () => {
  const record: ImportRecord = {
    userId: U,
    providedId: 'ext-1',
    firstName: 'User',
    lastName: 'One',
    identities: [
      { type: 'email', identity: 'userone@example.com', isVerified: true },
      { type: 'username', identity: 'userone' },
    ],
    organizations: [{ orgCode: ORG, roleIds: ['r1'], permissionIds: ['p1'] }],
    properties: { property_1: 'false' },
    featureFlags: { feature_flag_1: 'true' },
    password: bcrypt,
    passwordVerified: true,
  };
  const imported = decideImport({ status: 'none' }, record);
  const after = [...imported];

  it('imports a new user as one UserImported event carrying everything', () => {
    expect(valid(imported)).toHaveLength(1);
    expect(imported[0]).toMatchObject({ type: 'UserImported', data: { isNew: true, providedId: 'ext-1', password: bcrypt, passwordVerified: true } });
  });
  it('re-importing the same record appends nothing, in every mode', () => {
    const state = fold(userDecider, after);
    for (const mode of ['merge', 'update', 'create_only'] as const) expect(decideImport(state, record, mode)).toEqual([]);
  });
  it('merge adds what is missing and never overwrites', () => {
    const state = fold(userDecider, after);
    const events = decideImport(
      state,
      {
        ...record,
        firstName: 'Changed',
        identities: [...record.identities, { type: 'phone', identity: '+61412345678' }],
        organizations: [
          { orgCode: ORG, roleIds: ['r1', 'r2'], permissionIds: ['p1'] },
          { orgCode: ORG2, roleIds: [], permissionIds: [] },
        ],
        properties: { property_1: 'true', property_2: 'x' },
        password: { method: 'md5', hash: 'abc' },
      },
      'merge',
    );
    expect(events).toHaveLength(1);
    const data = events[0]!.data as Extract<UserEvent, { type: 'UserImported' }>['data'];
    expect(data.firstName).toBeUndefined();
    expect(data.password).toBeUndefined();
    expect(data.identities.map((i) => i.identity)).toEqual(['+61412345678']);
    expect(data.organizations).toEqual([
      { orgCode: ORG, roleIds: ['r2'], permissionIds: [] },
      { orgCode: ORG2, roleIds: [], permissionIds: [] },
    ]);
    expect(data.properties).toEqual({ property_2: 'x' });
  });
  it('update overwrites changed fields', () => {
    const state = fold(userDecider, after);
    const events = decideImport(state, { ...record, firstName: 'Changed', properties: { property_1: 'true' }, password: { method: 'md5', hash: 'abc' } }, 'update');
    const data = events[0]!.data as Extract<UserEvent, { type: 'UserImported' }>['data'];
    expect(data).toMatchObject({ firstName: 'Changed', properties: { property_1: 'true' }, password: { method: 'md5', hash: 'abc' } });
    const next = fold(userDecider, [...after, ...events]);
    expect(next.status === 'active' && [next.firstName, next.properties['property_1'], next.password?.stored.method]).toEqual(['Changed', 'true', 'md5']);
  });
  it('create_only skips existing users', () => {
    expect(decideImport(fold(userDecider, after), { ...record, firstName: 'Changed' }, 'create_only')).toEqual([]);
  });
  it('imports claim email, username and provided id', () => {
    expect(userReservationChanges(imported[0]!).map((r) => `${r.kind}:${r.value}`)).toEqual(['email:userone@example.com', 'username:userone', 'provided_id:ext-1']);
  });
  it('refuses an import that would mix enterprise with other identities', () => {
    expectCode(() => decideImport(fold(userDecider, after), { ...record, identities: [{ type: 'enterprise:saml', identity: 'x' }] }), 'ENTERPRISE_IDENTITY_EXCLUSIVE');
  });

  describe('an account the source does not let sign in (suspendedAtSource)', () => {
    const blocked: ImportRecord = { ...record, suspendedAtSource: 'blocked in Auth0' };
    const suspended = { type: 'UserSuspended', data: { reason: 'blocked in Auth0' } } as const;

    it('a new user is imported, then suspended with the reason', () => {
      const events = valid(decideImport({ status: 'none' }, blocked));
      expect(events.map((e) => e.type)).toEqual(['UserImported', 'UserSuspended']);
      expect(events[1]).toEqual(suspended);
      expect(fold(userDecider, events).status).toBe('suspended');
    });
    it('re-importing it appends nothing, in every mode (a suspended user is not suspended again)', () => {
      const state = fold(userDecider, decideImport({ status: 'none' }, blocked));
      for (const mode of ['merge', 'update', 'create_only'] as const) expect(decideImport(state, blocked, mode)).toEqual([]);
    });
    it('an existing active user: suspended in mode update only; merge and create_only leave it as it is', () => {
      const state = fold(userDecider, after);
      expect(decideImport(state, blocked, 'update')).toEqual([suspended]);
      expect(decideImport(state, blocked, 'merge')).toEqual([]);
      expect(decideImport(state, blocked, 'create_only')).toEqual([]);
    });
    it('update with other changes: the UserImported patch first, then the suspension', () => {
      const events = decideImport(fold(userDecider, after), { ...blocked, firstName: 'Changed' }, 'update');
      expect(events.map((e) => e.type)).toEqual(['UserImported', 'UserSuspended']);
    });
    it('an import never restores: a user suspended by an admin stays suspended when the source has it active', () => {
      const state = fold(userDecider, [...after, { type: 'UserSuspended', data: {} }]);
      expect(decideImport(state, record, 'update')).toEqual([]);
    });
  });
});
