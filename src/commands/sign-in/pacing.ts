import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredPassword } from '../../passwords';

/**
 * Refused sign-ins answer at one pace, whatever the identity.
 *
 * An unknown identity verifies against a dummy bcrypt hash at the configured
 * cost, but a user's own hash may cost more (an imported bcrypt at cost 12
 * against a cost-10 dummy takes four times as long), which tells an attacker
 * the identity exists. No dummy can match every stored cost, so instead every
 * `INVALID_CREDENTIALS` answer is held until the slowest kind of refusal this
 * process has seen would have answered: each kind of work (the dummy, bcrypt at
 * each cost, each SHA-crypt round count…) keeps the median of its last few
 * refusals' durations (a median, so one slow moment — a cold worker pool, a busy
 * machine — does not hold every refusal for long), and a refusal that finished
 * sooner waits out the difference on a timer (no CPU spent). The first refusal
 * of a new, slower kind after a start is the one that can still stand out.
 */
export interface SignInPacer {
  /** Resolves once a refusal of this kind of work, begun at `startedAt` (from `now`), may be answered. */
  pace(work: string, startedAt: number): Promise<void>;
  /** Milliseconds a refusal is currently held to (tests, diagnostics). */
  target(): number;
  readonly now: () => number;
}

export interface SignInPacerOptions {
  /** Monotonic milliseconds; default performance.now. */
  readonly now?: () => number;
  readonly wait?: (ms: number) => Promise<void>;
  /** Longest a refusal is held, so one freak measurement cannot stall every refusal for long. */
  readonly maxMs?: number;
}

/** Durations remembered per kind of work (odd, so the median is one of them). */
const SAMPLES = 9;
/** Kinds remembered at most; past this, new kinds fall back to their method alone. */
const MAX_KINDS = 64;

export function createSignInPacer(options: SignInPacerOptions = {}): SignInPacer {
  const now = options.now ?? (() => performance.now());
  const wait = options.wait ?? ((ms: number) => sleep(ms));
  const maxMs = options.maxMs ?? 3000;
  const samples = new Map<string, number[]>();
  const medians = new Map<string, number>();
  const target = () => Math.min(maxMs, Math.max(0, ...medians.values()));
  return {
    now,
    target,
    async pace(work, startedAt) {
      const elapsed = now() - startedAt;
      const key = samples.has(work) || samples.size < MAX_KINDS ? work : work.split(':')[0]!;
      const recent = [...(samples.get(key) ?? []), elapsed].slice(-SAMPLES);
      samples.set(key, recent);
      const sorted = [...recent].sort((a, b) => a - b);
      medians.set(key, sorted[Math.floor(sorted.length / 2)]!);
      const remaining = target() - elapsed;
      if (remaining > 0) await wait(remaining);
    },
  };
}

/** The kind of work verifying a stored hash costs: its method and work factor, never its salt or digest. */
export function workKind(stored: StoredPassword): string {
  const h = stored.hash;
  const bcrypt = /^\$(?:wp\$)?2[abxy]?\$(\d{2})\$/.exec(h);
  if (bcrypt) return `bcrypt:${bcrypt[1]}`;
  const shaCrypt = /^\$([56])\$(?:rounds=(\d{1,9})\$)?/.exec(h);
  if (shaCrypt) return `sha-crypt:${shaCrypt[1]}:${shaCrypt[2] ?? '5000'}`;
  const phpass = /^\$[PH]\$([./0-9A-Za-z])/.exec(h);
  if (phpass) return `phpass:${phpass[1]}`;
  return stored.method;
}

/** The work of an unknown identity or a user without a password. */
export const DUMMY_WORK = 'dummy';
