import type { MfaMethod, MfaScope } from '../../domain/user/events';
import { primaryOfType } from '../../domain/user/identity-list';
import { IDENTITY_FLAG, type ExistingUser } from '../../domain/user/state';
import type { UserView } from '../../projections/time-travel/user-view';

/** Kinde's shapes for a user folded from its stream (src/projections/time-travel/user-view.ts): the user, its identities and MFA factors. */
export function primaryValue(user: ExistingUser, type: 'email' | 'phone' | 'username'): string | undefined {
  return primaryOfType(user.identities, type, IDENTITY_FLAG);
}

/** Kinde's `user` shape (GET /api/v1/user). */
export function kindeUser(view: UserView, expand: ReadonlySet<string>) {
  const u = view.user;
  // Fields the spec types as plain strings are left out when unset, never null.
  return {
    id: u.userId,
    ...opt('provided_id', u.providedId),
    ...opt('preferred_email', primaryValue(u, 'email')),
    ...opt('phone', primaryValue(u, 'phone')),
    ...opt('username', primaryValue(u, 'username')),
    ...opt('last_name', u.lastName),
    ...opt('first_name', u.firstName),
    is_suspended: u.status === 'suspended',
    ...opt('picture', u.picture),
    // The aggregate's counts, as the users list shows them (src/domain/user/sign-in-counts.ts).
    total_sign_ins: u.signInTotals.succeeded,
    failed_sign_ins: u.signInTotals.failedSinceSuccess,
    last_signed_in: view.lastSignedIn,
    created_on: view.createdOn,
    ...(expand.has('organizations') ? { organizations: Object.keys(u.organizations) } : {}),
    ...(expand.has('identities') ? { identities: u.identities.map((i) => ({ type: i.type, identity: i.identity })) } : {}),
  };
}

export function opt<K extends string, V>(key: K, value: V | undefined | null): { [P in K]?: V } {
  return (value === undefined || value === null ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Kinde's MFA type names for Roster's methods. */
export const KINDE_MFA_TYPE: Record<MfaMethod, string> = { authenticator_app: 'totp', sms: 'sms', email: 'email', recovery_codes: 'recovery_codes' };

export function kindeIdentity(view: UserView, i: UserView['user']['identities'][number]) {
  const logins = view.user.signIns[i.id];
  return {
    id: i.id,
    type: i.type,
    is_confirmed: i.isVerified,
    created_on: view.identityCreatedOn[i.id] ?? view.createdOn,
    ...opt('last_login_on', view.identityLastLogin[i.id]),
    total_logins: logins?.succeeded ?? 0,
    name: i.identity,
    ...opt('email', i.type === 'email' ? i.identity : undefined),
    connection_id: null,
    is_primary: i.isPrimary,
  };
}

export function kindeMfaFactors(view: UserView, scope: (s: MfaScope) => boolean) {
  return view.user.mfaFactors
    .filter((f) => scope(f.scope))
    .map((f) => ({
      id: f.factorId,
      type: KINDE_MFA_TYPE[f.method],
      created_on: view.factorCreatedOn[f.factorId] ?? view.createdOn,
      name: f.method === 'email' ? (primaryValue(view.user, 'email') ?? 'email') : f.method === 'sms' ? (primaryValue(view.user, 'phone') ?? 'sms') : 'Authenticator app',
      is_verified: true,
      usage_count: 0,
    }));
}
