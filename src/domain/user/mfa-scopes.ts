/**
 * What an MFA event does to a user's per-scope flags (scope keys: see
 * mfaScopeKey), for the aggregate's fold (state.ts; the users read model maps
 * the result).
 */
export interface MfaScopeFlags {
  /** Scopes where the user opted out of MFA. */
  readonly optedOut: readonly string[];
  /** Scopes where every method was reset: the user sets up MFA at next sign-in. */
  readonly setupRequired: readonly string[];
}

const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];
const without = (a: readonly string[], x: string): string[] => a.filter((v) => v !== x);

/** A factor enrolled in a scope: the scope is neither opted out nor waiting for setup any more. */
export const afterEnrolment = (f: MfaScopeFlags, scope: string): MfaScopeFlags => ({ optedOut: without(f.optedOut, scope), setupRequired: without(f.setupRequired, scope) });

export const afterOptOut = (f: MfaScopeFlags, scope: string): MfaScopeFlags => ({ optedOut: union(f.optedOut, [scope]), setupRequired: f.setupRequired });

/** A factor reset: an opted-out user is asked to opt in again; the last factor of a scope makes setup required. */
export const afterReset = (f: MfaScopeFlags, scope: string, reset: { readonly optInRequired?: boolean; readonly scopeFullyReset?: boolean }): MfaScopeFlags => ({
  optedOut: reset.optInRequired ? without(f.optedOut, scope) : f.optedOut,
  setupRequired: reset.scopeFullyReset ? union(f.setupRequired, [scope]) : f.setupRequired,
});
