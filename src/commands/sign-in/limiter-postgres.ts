import type { Knex } from 'knex';
import { createPostgresThrottle } from '../../db/throttle';
import { identityLimitKey, ipLimitKey, type SignInLimiter } from './limiter';

/**
 * The sign-in limiter `roster serve` uses: the same sliding window as the
 * in-memory one, kept in PostgreSQL, so N server processes on one database
 * allow maxFailures in all (not N times that) and a restart forgets nothing.
 */
export function createPostgresSignInLimiter(
  knex: Knex,
  options: { readonly maxFailures: number; readonly windowSeconds: number; readonly now?: () => number; readonly onError?: (err: unknown) => void },
): SignInLimiter {
  const throttle = createPostgresThrottle(knex, { scope: 'sign_in', ...options });
  return {
    begin: ({ identity, ip }) =>
      // A success forgets the identity's failures, not the IP's (another identity may be under attack from it).
      throttle.begin([{ key: identityLimitKey(identity), resetOnSuccess: true }, ...(ip ? [{ key: ipLimitKey(ip) }] : [])]),
    failures: (key) => throttle.failures(key),
  };
}
