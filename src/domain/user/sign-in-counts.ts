/**
 * A user's sign-in counts: one rule for every view of a user (GET /api/v1/user,
 * the users list, the read model's document), all read from the aggregate's fold.
 *
 * Kinde's Management API spells the user's counts (`user`, `users_response`):
 *   total_sign_ins  "Total number of user sign ins."
 *   failed_sign_ins "Number of consecutive failed user sign ins."
 * so a success counts once whatever identity it used (or none is recorded, as for
 * a sign-in the identity of which could not be matched), and resets the failures;
 * every failure recorded on the user's stream counts, refusals included. Per
 * identity, Kinde's profile shows "how many times they have signed in with each
 * method" (an identity's `total_logins`): those count only attempts that name the
 * identity, and its failures are kept as a running total (no Kinde field resets them).
 */

export interface IdentitySignIns {
  readonly succeeded: number;
  readonly failed: number;
}

export interface SignInTotals {
  /** Successful sign-ins (Kinde's `total_sign_ins`). */
  readonly succeeded: number;
  /** Failures since the last success (Kinde's `failed_sign_ins`). */
  readonly failedSinceSuccess: number;
}

export interface SignInCounts {
  /** identityId -> that identity's sign-ins. */
  readonly signIns: Readonly<Record<string, IdentitySignIns>>;
  readonly signInTotals: SignInTotals;
}

export const noSignIns = (): SignInCounts => ({ signIns: {}, signInTotals: { succeeded: 0, failedSinceSuccess: 0 } });

/** One recorded attempt, successful or not, with the identity it named (if any). */
export function countSignIn(counts: SignInCounts, identityId: string | undefined, ok: boolean): SignInCounts {
  const { succeeded, failedSinceSuccess } = counts.signInTotals;
  const signInTotals = ok ? { succeeded: succeeded + 1, failedSinceSuccess: 0 } : { succeeded, failedSinceSuccess: failedSinceSuccess + 1 };
  if (!identityId) return { signIns: counts.signIns, signInTotals };
  const prev = counts.signIns[identityId] ?? { succeeded: 0, failed: 0 };
  const identity = ok ? { ...prev, succeeded: prev.succeeded + 1 } : { ...prev, failed: prev.failed + 1 };
  return { signIns: { ...counts.signIns, [identityId]: identity }, signInTotals };
}
