import { primaryOfType } from '../../domain/user/identity-list';
import { IDENTITY_FLAG, type ExistingUser } from '../../domain/user/state';
import type { UserView } from '../../projections/time-travel/user-view';

/** Kinde's shapes for a user folded from its stream (src/projections/time-travel/user-view.ts). */
export function primaryValue(user: ExistingUser, type: 'email' | 'phone' | 'username'): string | undefined {
  return primaryOfType(user.identities, type, IDENTITY_FLAG);
}

export function signInTotals(user: ExistingUser): { total: number; failed: number } {
  let total = 0;
  let failed = 0;
  for (const c of Object.values(user.signIns)) {
    total += c.succeeded;
    failed += c.failed;
  }
  return { total, failed };
}

/** Kinde's `user` shape (GET /api/v1/user). */
export function kindeUser(view: UserView, expand: ReadonlySet<string>) {
  const u = view.user;
  const totals = signInTotals(u);
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
    total_sign_ins: totals.total,
    failed_sign_ins: totals.failed,
    last_signed_in: view.lastSignedIn,
    created_on: view.createdOn,
    ...(expand.has('organizations') ? { organizations: Object.keys(u.organizations) } : {}),
    ...(expand.has('identities') ? { identities: u.identities.map((i) => ({ type: i.type, identity: i.identity })) } : {}),
  };
}

export function opt<K extends string, V>(key: K, value: V | undefined | null): { [P in K]?: V } {
  return (value === undefined || value === null ? {} : { [key]: value }) as { [P in K]?: V };
}
