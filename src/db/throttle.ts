import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * Failure throttles kept in PostgreSQL (table `throttle_attempts`), so every
 * server process on one database sees the same counts and a restart forgets
 * nothing. A sliding window per key: an attempt is refused while `maxFailures`
 * counted attempts of one of its keys are younger than the window. Used by
 * sign-in (per identity, per IP) and the token endpoint (per client id, per IP).
 *
 * An attempt is counted when it begins (so concurrent attempts, in any
 * process, cannot all slip under the limit) and settled by its ticket. Keys are
 * stored as SHA-256 digests: the table holds no email or IP in clear.
 *
 * Time comes from this process's clock (`now`), so the servers' clocks should
 * agree (NTP); a skew of a few seconds only shifts the window by as much.
 */

export interface ThrottleOptions {
  /** Separates throttles sharing the table (`sign_in`, `token`). */
  readonly scope: string;
  readonly maxFailures: number;
  readonly windowSeconds: number;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
  /** Where a failure to forget an attempt goes (it never fails the request). */
  readonly onError?: (err: unknown) => void;
}

export interface ThrottleKey {
  readonly key: string;
  /** On success, forget every counted failure of this key (the identity, the client), not only this attempt. */
  readonly resetOnSuccess?: boolean;
}

export interface ThrottleTicket {
  /** Failed: stays counted. */
  failed(): Promise<void>;
  /** Succeeded: not counted, and keys marked resetOnSuccess forget their failures. */
  succeeded(): Promise<void>;
  /** Neither: not counted. */
  cancelled(): Promise<void>;
}

export type ThrottleDecision = { readonly allowed: true; readonly ticket: ThrottleTicket } | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface Throttle {
  begin(keys: readonly ThrottleKey[]): Promise<ThrottleDecision>;
  /** Failures currently counted for a key (tests, diagnostics). */
  failures(key: string): Promise<number>;
}

const digest = (scope: string, key: string) => createHash('sha256').update(`${scope}\u0000${key}`).digest('hex');

/** Expired rows of keys never seen again are swept at most this often per process. */
const SWEEP_EVERY_MS = 60_000;

export function createPostgresThrottle(knex: Knex, options: ThrottleOptions): Throttle {
  const now = options.now ?? Date.now;
  const windowMs = options.windowSeconds * 1000;
  const { scope, maxFailures } = options;
  let lastSweep = 0;

  const sweep = async (t: number) => {
    if (t - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = t;
    await knex('throttle_attempts')
      .where('scope', scope)
      .andWhere('at_ms', '<=', t - windowMs)
      .delete();
  };

  const forget = async (work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (err) {
      options.onError?.(err);
    }
  };

  return {
    async begin(keys) {
      const t = now();
      const hashed = [...new Map(keys.map((k) => [digest(scope, k.key), k])).entries()].sort(([a], [b]) => a.localeCompare(b));
      const attemptId = randomUUID();
      const retryAfterMs = await knex.transaction(async (trx) => {
        // One writer per key at a time, in every process: check and count are one step. Sorted, so two attempts never wait on each other in a cycle.
        for (const [hash] of hashed) await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`throttle:${hash}`]);
        let wait = 0;
        for (const [hash] of hashed) {
          const rows = await trx<{ scope: string; key_hash: string; at_ms: number | string }>('throttle_attempts')
            .select('at_ms')
            .where({ scope, key_hash: hash })
            .andWhere('at_ms', '>', t - windowMs)
            .orderBy('at_ms', 'desc')
            .limit(maxFailures);
          // The maxFailures-th newest failure is the one whose leaving the window lets the key in again.
          if (rows.length >= maxFailures) wait = Math.max(wait, Number(rows[maxFailures - 1]!.at_ms) + windowMs - t);
        }
        if (wait > 0) return wait;
        await trx('throttle_attempts').insert(hashed.map(([hash]) => ({ scope, key_hash: hash, attempt_id: attemptId, at_ms: t })));
        return 0;
      });
      await forget(() => sweep(t));
      if (retryAfterMs > 0) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };

      let settled = false;
      const settle = async (work: () => Promise<unknown>) => {
        if (settled) return;
        settled = true;
        await forget(work);
      };
      const mine = () => knex('throttle_attempts').where({ scope, attempt_id: attemptId });
      return {
        allowed: true,
        ticket: {
          failed: () => settle(() => Promise.resolve()),
          cancelled: () => settle(() => mine().delete()),
          succeeded: () =>
            settle(async () => {
              const reset = hashed.filter(([, k]) => k.resetOnSuccess).map(([hash]) => hash);
              await mine().delete();
              if (reset.length) await knex('throttle_attempts').where('scope', scope).whereIn('key_hash', reset).delete();
            }),
        },
      };
    },

    async failures(key) {
      const row = await knex('throttle_attempts')
        .where({ scope, key_hash: digest(scope, key) })
        .andWhere('at_ms', '>', now() - windowMs)
        .count({ n: '*' })
        .first();
      return Number(row?.n ?? 0);
    },
  };
}
