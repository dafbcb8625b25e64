import { mfaScopeKey, type ExistingUser, type UserState } from '../../domain/user/state';
import { isoTime } from '../support';
import type { UserDoc, UserIdentityDoc, UserMembershipDoc, UserMfaFactorDoc } from './doc';

/**
 * The one mapper from the domain's user state to the read model's document.
 * Every rule — the identity list and its primary flags, memberships, MFA scopes,
 * passwords — is the domain's `evolveUser`; this only spells the state in the
 * document's snake case and keeps, from `previous`, what the state does not know:
 * when the user, each identity, membership and MFA factor first appeared (else
 * `at`, the time of the event being folded, which is also `updated_on`) and the
 * sign-in times. `previous` is the document `previousState` was mapped
 * to (a blank one for a new user, with no `previousState`).
 *
 * A new field of the user state shows in the read model by adding it here (and in
 * state-from-doc.ts, which reads it back; a read-model spec checks the round trip).
 */
export function docFromState(user: ExistingUser, previous: UserDoc, at: string, previousState?: UserState): UserDoc {
  // The parts of the state the event left as they were (the same objects) keep their mapped parts: the hot path stays cheap.
  const was = previousState !== undefined && previousState.status !== 'none' && previousState.status !== 'deleted' ? previousState : undefined;
  return {
    id: previous.id,
    status: user.status,
    provided_id: user.providedId ?? null,
    first_name: user.firstName ?? null,
    last_name: user.lastName ?? null,
    picture: user.picture ?? null,
    created_on: previous.created_on,
    updated_on: at,
    identities: kept(was, user, 'identities') && kept(was, user, 'signIns') ? previous.identities : identityDocs(user, previous, at),
    organizations: kept(was, user, 'organizations') ? previous.organizations : membershipDocs(user, previous, at),
    properties: user.properties,
    feature_flags: user.featureFlags,
    password:
      kept(was, user, 'password') && kept(was, user, 'passwordVerified')
        ? previous.password
        : {
            has_password: user.password !== undefined,
            method: user.password?.stored.method ?? null,
            is_temporary: user.password?.isTemporary ?? false,
            is_temporary_used: user.password?.temporaryUsed ?? false,
            is_verified: user.passwordVerified,
          },
    is_password_reset_requested: user.passwordResetRequested,
    mfa:
      kept(was, user, 'mfaFactors') && kept(was, user, 'mfaOptedOut') && kept(was, user, 'mfaSetupRequired')
        ? previous.mfa
        : { factors: factorDocs(user, previous, at), opted_out: user.mfaOptedOut, setup_required: user.mfaSetupRequired },
    policies: kept(was, user, 'policies') ? previous.policies : mapValues(user.policies, (p) => ({ url: p.url, version: p.version ?? null, accepted_on: isoTime(p.acceptedAt) })),
    // The domain's counts (src/domain/user/sign-in-counts.ts): GET /api/v1/user shows the same.
    total_sign_ins: user.signInTotals.succeeded,
    failed_sign_ins: user.signInTotals.failedSinceSuccess,
    // The read side's own (evolve.ts keeps them).
    last_signed_in: previous.last_signed_in,
    last_organization_sign_ins: previous.last_organization_sign_ins,
    suspension: previous.suspension,
    sources: previous.sources,
  };
}

/** The event left this part of the state as it was (the same object). */
function kept(was: ExistingUser | undefined, user: ExistingUser, key: keyof ExistingUser): boolean {
  return was !== undefined && was[key] === user[key];
}

function identityDocs(user: ExistingUser, previous: UserDoc, at: string): UserIdentityDoc[] {
  return user.identities.map((i) => {
    const before = previous.identities.find((p) => p.id === i.id);
    const signIns = user.signIns[i.id];
    return {
      id: i.id,
      type: i.type,
      identity: i.identity,
      is_verified: i.isVerified,
      is_primary: i.isPrimary,
      provider: i.provider ?? null,
      created_on: before?.created_on ?? at,
      total_logins: signIns?.succeeded ?? 0,
      failed_logins: signIns?.failed ?? 0,
      last_login_on: before?.last_login_on ?? null,
    };
  });
}

function membershipDocs(user: ExistingUser, previous: UserDoc, at: string): Record<string, UserMembershipDoc> {
  return mapValues(user.organizations, (access, orgCode) => ({
    role_ids: access.roleIds,
    permission_ids: access.permissionIds,
    joined_on: previous.organizations[orgCode]?.joined_on ?? at,
  }));
}

function factorDocs(user: ExistingUser, previous: UserDoc, at: string): UserMfaFactorDoc[] {
  return user.mfaFactors.map((f) => ({
    factor_id: f.factorId,
    method: f.method,
    scope: mfaScopeKey(f.scope),
    enrolled_on: previous.mfa.factors.find((p) => p.factor_id === f.factorId)?.enrolled_on ?? at,
  }));
}

function mapValues<K extends string, V, W>(record: Readonly<Partial<Record<K, V>>>, f: (value: V, key: K) => W): Record<K, W> {
  const out = {} as Record<K, W>;
  for (const key of Object.keys(record) as K[]) {
    const value = record[key];
    if (value !== undefined) out[key] = f(value, key);
  }
  return out;
}
