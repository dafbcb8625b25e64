import { mfaScopeOfKey, type UserState } from '../../domain/user/state';
import type { UserDoc } from './doc';

/**
 * The domain's user state read back from a stored document, so the next event of
 * the stream folds with the domain's own `evolveUser` (the inverse of
 * doc-from-state.ts). What the document never holds comes back empty, and nothing
 * in the read model reads it: the password hash (the read model never stores it:
 * the method alone comes back), identity provider profiles, and the sign-in counts
 * of identities the user no longer holds. A policy's acceptance time comes back in
 * the document's ISO form (milliseconds, `Z`).
 */
export function stateFromDoc(doc: UserDoc): UserState {
  if (doc.status === 'deleted') return { status: 'deleted', userId: doc.id };
  const { password } = doc;
  return {
    status: doc.status,
    userId: doc.id,
    ...(doc.first_name !== null ? { firstName: doc.first_name } : {}),
    ...(doc.last_name !== null ? { lastName: doc.last_name } : {}),
    ...(doc.picture !== null ? { picture: doc.picture } : {}),
    ...(doc.provided_id !== null ? { providedId: doc.provided_id } : {}),
    identities: doc.identities.map((i) => ({
      id: i.id,
      type: i.type,
      identity: i.identity,
      isVerified: i.is_verified,
      isPrimary: i.is_primary,
      ...(i.provider !== null ? { provider: i.provider } : {}),
    })),
    organizations: Object.fromEntries(Object.entries(doc.organizations).map(([orgCode, m]) => [orgCode, { roleIds: m.role_ids, permissionIds: m.permission_ids }])),
    properties: doc.properties,
    featureFlags: doc.feature_flags,
    ...(password.has_password && password.method !== null
      ? { password: { stored: { method: password.method, hash: HASH_NOT_STORED }, isTemporary: password.is_temporary, temporaryUsed: password.is_temporary_used } }
      : {}),
    passwordVerified: password.is_verified,
    passwordResetRequested: doc.is_password_reset_requested,
    mfaFactors: doc.mfa.factors.map((f) => ({ factorId: f.factor_id, method: f.method, scope: mfaScopeOfKey(f.scope) })),
    mfaOptedOut: doc.mfa.opted_out,
    mfaSetupRequired: doc.mfa.setup_required,
    policies: Object.fromEntries(Object.entries(doc.policies).map(([policy, p]) => [policy, { url: p.url, acceptedAt: p.accepted_on, ...(p.version !== null ? { version: p.version } : {}) }])),
    signIns: Object.fromEntries(doc.identities.filter((i) => i.total_logins > 0 || i.failed_logins > 0).map((i) => [i.id, { succeeded: i.total_logins, failed: i.failed_logins }])),
    signInTotals: { succeeded: doc.total_sign_ins, failedSinceSuccess: doc.failed_sign_ins },
  };
}

/** Stands in for the hash the read model never stores; only the method is ever read from the state here. */
const HASH_NOT_STORED = '';
