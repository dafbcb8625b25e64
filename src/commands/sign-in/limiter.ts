import { identityKey } from './identity-key';

/**
 * The sign-in rate limiter: failures per identity and per IP within a sliding
 * window. Temporary by construction — a key is refused only while
 * `maxFailures` failures are younger than the window — so it can never be used
 * to lock a user out for good. Two implementations: in this process's memory
 * (below; tests, single-process tools) and in PostgreSQL (limiter-postgres.ts;
 * what `roster serve` uses, shared by every process and kept across restarts).
 */

export interface SignInLimiterOptions {
  /** Failures allowed per key within the window; the next attempt is refused. */
  readonly maxFailures: number;
  readonly windowSeconds: number;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
  /** Keys remembered at most (oldest dropped first), so a flood of identities cannot exhaust memory. */
  readonly maxKeys?: number;
}

export interface SignInLimiterTicket {
  /** The attempt failed: it stays counted against each key. */
  failed(): void | Promise<void>;
  /** Signed in: the attempt is not counted, and earlier failures of the identity are forgotten. */
  succeeded(): void | Promise<void>;
  /** Neither (a correct password refused for the account's state, or an internal error): not counted. */
  cancelled(): void | Promise<void>;
}

export type SignInLimiterDecision = { readonly allowed: true; readonly ticket: SignInLimiterTicket } | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface SignInLimiter {
  /**
   * Checks every key and, if allowed, counts the attempt as a failure at once
   * (settled by the ticket), so concurrent attempts cannot all slip under the limit.
   */
  begin(keys: { readonly identity: string; readonly ip?: string }): SignInLimiterDecision | Promise<SignInLimiterDecision>;
  /** Failures currently counted for a key (tests, diagnostics). */
  failures(key: string): number | Promise<number>;
}

/** The in-memory limiter answers at once. */
export interface MemorySignInLimiter extends SignInLimiter {
  begin(keys: { readonly identity: string; readonly ip?: string }): SignInLimiterDecision & { readonly ticket?: { failed(): void; succeeded(): void; cancelled(): void } };
  failures(key: string): number;
}

export const identityLimitKey = (identity: string) => `identity:${identityKey(identity)}`;
export const ipLimitKey = (ip: string) => `ip:${ip}`;

/**
 * Sliding-window failure counts in this process's memory. With several server
 * processes each counts on its own, and a restart forgets the counts: servers
 * use the PostgreSQL limiter instead.
 */
export function createSignInLimiter(options: SignInLimiterOptions): MemorySignInLimiter {
  const now = options.now ?? Date.now;
  const windowMs = options.windowSeconds * 1000;
  const maxKeys = options.maxKeys ?? 100_000;
  const hits = new Map<string, number[]>();

  const live = (key: string, t: number): number[] => {
    const list = hits.get(key);
    if (!list) return [];
    const kept = list.filter((at) => at > t - windowMs);
    if (kept.length === 0) hits.delete(key);
    else if (kept.length !== list.length) hits.set(key, kept);
    return kept;
  };

  const removeOne = (key: string, at: number) => {
    const list = hits.get(key);
    if (!list) return;
    const i = list.indexOf(at);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) hits.delete(key);
  };

  const bound = (t: number) => {
    if (hits.size <= maxKeys) return;
    for (const key of [...hits.keys()]) live(key, t);
    for (const key of hits.keys()) {
      if (hits.size <= maxKeys) break;
      hits.delete(key);
    }
  };

  return {
    begin({ identity, ip }) {
      const t = now();
      const keys = [identityLimitKey(identity), ...(ip ? [ipLimitKey(ip)] : [])];
      let retryAfterMs = 0;
      for (const key of keys) {
        const list = live(key, t);
        if (list.length >= options.maxFailures) {
          const oldestCounted = list[list.length - options.maxFailures]!;
          retryAfterMs = Math.max(retryAfterMs, oldestCounted + windowMs - t);
        }
      }
      if (retryAfterMs > 0) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
      for (const key of keys) {
        const list = hits.get(key);
        if (list) list.push(t);
        else hits.set(key, [t]);
      }
      bound(t);
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        f();
      };
      return {
        allowed: true,
        ticket: {
          failed: () => settle(() => undefined),
          succeeded: () =>
            settle(() => {
              hits.delete(keys[0]!);
              for (const key of keys.slice(1)) removeOne(key, t);
            }),
          cancelled: () => settle(() => keys.forEach((key) => removeOne(key, t))),
        },
      };
    },
    failures: (key) => live(key, now()).length,
  };
}
