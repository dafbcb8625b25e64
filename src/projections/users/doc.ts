import type { MfaMethod, StoredPassword } from '../../domain/user/events';

/**
 * The users read model's document: one per user, stored whole in the row's `doc`
 * column (the list columns and the child tables are derived from it, see rows.ts).
 * Everything the domain's user state says is mapped from it (doc-from-state.ts),
 * sign-in counts included; the rest is what only the recorded events know: times.
 *
 * No password hash, salt or secret is ever stored here: only whether the user has
 * a password, its method, whether it is temporary (and spent) and verified.
 */

export interface UserIdentityDoc {
  id: string;
  type: string;
  identity: string;
  is_verified: boolean;
  is_primary: boolean;
  provider: string | null;
  created_on: string;
  total_logins: number;
  failed_logins: number;
  last_login_on: string | null;
}

export interface UserMembershipDoc {
  role_ids: readonly string[];
  permission_ids: readonly string[];
  joined_on: string;
}

export interface UserMfaFactorDoc {
  factor_id: string;
  method: MfaMethod;
  /** The scope's key: `environment` or `organization:<code>`. */
  scope: string;
  enrolled_on: string;
}

export interface UserPasswordDoc {
  has_password: boolean;
  method: StoredPassword['method'] | null;
  is_temporary: boolean;
  /** A temporary password already signed in with: "Once used, the temporary password becomes invalid." */
  is_temporary_used: boolean;
  /** false: an imported password waits for a one-time code before it is used. */
  is_verified: boolean;
}

export interface UserDoc {
  id: string;
  status: 'active' | 'suspended' | 'access_revoked' | 'deleted';
  provided_id: string | null;
  first_name: string | null;
  last_name: string | null;
  picture: string | null;
  created_on: string;
  updated_on: string;
  identities: UserIdentityDoc[];
  organizations: Record<string, UserMembershipDoc>;
  properties: Readonly<Record<string, string>>;
  feature_flags: Readonly<Record<string, string>>;
  password: UserPasswordDoc;
  is_password_reset_requested: boolean;
  mfa: {
    factors: UserMfaFactorDoc[];
    opted_out: readonly string[];
    setup_required: readonly string[];
  };
  policies: Partial<Record<'terms' | 'privacy', { url: string; version: string | null; accepted_on: string }>>;
  /** The domain's counts (src/domain/user/sign-in-counts.ts): successes, with any identity. */
  total_sign_ins: number;
  /** Consecutive failures since the last success (Kinde's `failed_sign_ins`). */
  failed_sign_ins: number;
  last_signed_in: string | null;
  last_organization_sign_ins: Record<string, string>;
  suspension: { reason: string | null; suspended_on: string } | null;
  sources: string[];
}

/** A document with nothing in it yet: the read side's fields start here, the mapper fills in the state's. */
export function blankUserDoc(id: string, createdOn: string, updatedOn: string, sources: string[]): UserDoc {
  return {
    id,
    status: 'active',
    provided_id: null,
    first_name: null,
    last_name: null,
    picture: null,
    created_on: createdOn,
    updated_on: updatedOn,
    identities: [],
    organizations: {},
    properties: {},
    feature_flags: {},
    password: { has_password: false, method: null, is_temporary: false, is_temporary_used: false, is_verified: false },
    is_password_reset_requested: false,
    mfa: { factors: [], opted_out: [], setup_required: [] },
    policies: {},
    total_sign_ins: 0,
    failed_sign_ins: 0,
    last_signed_in: null,
    last_organization_sign_ins: {},
    suspension: null,
    sources,
  };
}
