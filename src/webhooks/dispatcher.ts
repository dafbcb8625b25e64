import type { Knex } from 'knex';
import type { Logger } from '../logger';
import { parseAllowList, systemResolver, type Resolver } from '../net/endpoint-policy';
import { attemptDelivery } from './delivery-attempt';
import { createOutcomeRecorder, type AttemptedDelivery } from './delivery-outcomes';
import { WEBHOOK_CONFIGS_VIEW } from './outbox-projection';
import type { WebhookSigner } from './signer';

/**
 * The webhook dispatcher: a loop of its own (never inside a command or a
 * projection transaction) that sends the outbox's deliveries.
 *
 * - At least once: a delivery is claimed with a lease (its next_attempt_at moves
 *   past the request timeout); a process that dies mid-send leaves it due again
 *   when the lease ends. Receivers de-duplicate by `event_id`.
 * - Ordered per stream (per user, per organization…): a delivery is not sent
 *   while an earlier one for the same webhook and stream is still pending.
 * - Retries: exponential backoff with jitter on a non-2xx answer, a network
 *   error or a timeout, for the retry period; then the delivery is `failed`
 *   (kept, retryable by hand) and the webhook is marked failing.
 * - Isolation: at most `perWebhookConcurrency` requests per webhook and
 *   `globalConcurrency` in all, each with a timeout, so a slow endpoint holds
 *   only its own slots.
 *
 * This file claims and sends; one attempt is delivery-attempt.ts, writing its
 * outcome (log, retry, health) delivery-outcomes.ts.
 */
export interface WebhookDispatcherOptions {
  /** Per request (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** How often to look for due deliveries when idle (default 1 s). */
  readonly pollIntervalMs?: number;
  readonly globalConcurrency?: number;
  readonly perWebhookConcurrency?: number;
  /** First retry delay (default 5 s); doubles per attempt up to backoffMaxMs (default 1 h). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** ± fraction of the delay (default 0.25). */
  readonly jitter?: number;
  /** How long a delivery is retried (default: config.webhooks.retryHours). */
  readonly retryPeriodMs?: number;
  /** How long a claim holds (default: request timeout + 30 s). */
  readonly leaseMs?: number;
  /** Host name resolution (default: the system resolver); every answer is checked before it is connected to. */
  readonly resolve?: Resolver;
  readonly random?: () => number;
}

export interface WebhookDispatcherDeps {
  readonly knex: Knex;
  /** Signs with Roster's API signing key (the one /.well-known/jwks.json publishes): serve passes createWebhookSigner(() => keyRing.signing()). */
  readonly signer: WebhookSigner;
  readonly logger: Logger;
  readonly config: { readonly webhooks: { readonly allowedHosts?: readonly string[]; readonly retryHours: number } };
  readonly options?: WebhookDispatcherOptions;
}

export interface WebhookDispatcher {
  /** Look for due deliveries now (e.g. after a manual retry). */
  poke(): void;
  /** Stops claiming, aborts requests in flight and hands their deliveries back (due at once). */
  stop(): Promise<void>;
}

interface Claimed extends AttemptedDelivery {
  readonly event_id: string;
  readonly payload: Record<string, unknown>;
}

const isUndefinedTable = (err: unknown) => (err as { code?: string })?.code === '42P01';

export function startWebhookDispatcher(deps: WebhookDispatcherDeps): WebhookDispatcher {
  const { knex, logger } = deps;
  const signer = deps.signer;
  const o = deps.options ?? {};
  const timeoutMs = o.requestTimeoutMs ?? 10_000;
  const pollMs = o.pollIntervalMs ?? 1000;
  const globalLimit = o.globalConcurrency ?? 32;
  const perWebhookLimit = o.perWebhookConcurrency ?? 4;
  const leaseMs = o.leaseMs ?? timeoutMs + 30_000;
  const attempt = { timeoutMs, rules: parseAllowList(deps.config.webhooks.allowedHosts), resolve: o.resolve ?? systemResolver, logger };
  const outcomes = createOutcomeRecorder({
    knex,
    logger,
    retryPeriodMs: o.retryPeriodMs ?? deps.config.webhooks.retryHours * 3_600_000,
    backoff: { baseMs: o.backoffBaseMs ?? 5000, maxMs: o.backoffMaxMs ?? 3_600_000, jitter: o.jitter ?? 0.25 },
    random: o.random ?? Math.random,
  });

  const inFlight = new Map<number, { webhookId: string; abort: AbortController; done: Promise<void> }>();
  const perWebhook = new Map<string, number>();
  let stopped = false;
  let lastCancelSweep = 0;
  let wake: (() => void) | undefined;
  let pokes = 0;

  const poke = () => {
    pokes++;
    wake?.();
  };
  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      if (pokes > 0 || stopped) return resolve();
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      wake = done;
    });

  async function tick(): Promise<number> {
    const free = globalLimit - inFlight.size;
    if (free <= 0) return 0;
    // Deliveries of deleted webhooks are not sent (kept, as cancelled); checked every few seconds.
    if (Date.now() - lastCancelSweep > 2000) {
      await knex.raw(`update webhook_deliveries set state = 'cancelled' where state = 'pending' and webhook_id in (select webhook_id from ?? where deleted)`, [WEBHOOK_CONFIGS_VIEW]);
      lastCancelSweep = Date.now();
    }
    // Per webhook, its first due deliveries (an index range scan each, however long its backlog).
    // Only queue heads are ever due (heads.ts), so this keeps each stream in order.
    const { rows: candidates } = await knex.raw<{ rows: { id: number; webhook_id: string }[] }>(
      `select d.id, d.webhook_id
       from (select webhook_id from ?? where not deleted) w
       cross join lateral (
         select d.id, d.webhook_id, d.next_attempt_at
         from webhook_deliveries d
         where d.webhook_id = w.webhook_id and d.state = 'pending' and d.next_attempt_at <= now()
         order by d.next_attempt_at, d.id
         limit ?
       ) d
       order by d.next_attempt_at, d.id`,
      [WEBHOOK_CONFIGS_VIEW, perWebhookLimit],
    );
    const picked: number[] = [];
    const room = new Map<string, number>();
    for (const c of candidates) {
      if (picked.length >= free) break;
      const left = room.get(c.webhook_id) ?? perWebhookLimit - (perWebhook.get(c.webhook_id) ?? 0);
      if (left <= 0) continue;
      room.set(c.webhook_id, left - 1);
      picked.push(c.id);
    }
    if (picked.length === 0) return 0;
    // The claim: only rows still pending and due (another process may have taken some).
    const { rows: claimed } = await knex.raw<{ rows: Claimed[] }>(
      `update webhook_deliveries d
         set next_attempt_at = now() + (? * interval '1 millisecond')
       where d.id = any(?::bigint[]) and d.state = 'pending' and d.next_attempt_at <= now()
       returning d.id, d.webhook_id, d.event_id, d.attempts, (select e.payload from webhook_events e where e.event_id = d.event_id) as payload`,
      [leaseMs, picked],
    );
    if (claimed.length === 0) return 0;
    const endpoints = new Map<string, string>(
      (
        await knex(WEBHOOK_CONFIGS_VIEW)
          .whereIn('webhook_id', [...new Set(claimed.map((c) => c.webhook_id))])
          .select('webhook_id', 'endpoint')
      ).map((r: { webhook_id: string; endpoint: string }) => [r.webhook_id, r.endpoint]),
    );
    for (const c of claimed.sort((a, b) => a.id - b.id)) {
      const abort = new AbortController();
      perWebhook.set(c.webhook_id, (perWebhook.get(c.webhook_id) ?? 0) + 1);
      const done = deliver(c, endpoints.get(c.webhook_id), abort.signal)
        .catch((err: unknown) => logger.error('webhook delivery failed unexpectedly', { delivery_id: c.id, webhook_id: c.webhook_id, err }))
        .finally(() => {
          inFlight.delete(c.id);
          const n = (perWebhook.get(c.webhook_id) ?? 1) - 1;
          if (n <= 0) perWebhook.delete(c.webhook_id);
          else perWebhook.set(c.webhook_id, n);
          poke();
        });
      inFlight.set(c.id, { webhookId: c.webhook_id, abort, done });
    }
    return claimed.length;
  }

  async function deliver(c: Claimed, endpoint: string | undefined, stop: AbortSignal): Promise<void> {
    if (!endpoint) {
      await knex('webhook_deliveries').where({ id: c.id, state: 'pending' }).update({ state: 'cancelled' });
      return;
    }
    // The endpoint is checked again inside send, on the address actually connected to.
    const outcome = await attemptDelivery(endpoint, await signer.sign(c.payload), stop, attempt);
    // Stopped mid-request: not an attempt; the delivery is handed back by stop().
    if (stop.aborted && !outcome.ok) return;
    // The slot is free once the request is done; the delivery stays leased until its outcome is written.
    void outcomes.record(c, outcome);
  }

  const loop = (async () => {
    while (!stopped) {
      pokes = 0;
      let claimed = 0;
      try {
        claimed = await tick();
      } catch (err) {
        // The outbox projection creates its view on first start; until then there is nothing to send.
        if (!isUndefinedTable(err)) logger.error('webhook dispatcher tick failed', { err });
      }
      if (stopped) break;
      if (claimed > 0 && inFlight.size < globalLimit) continue;
      await idle(pollMs);
    }
  })();

  return {
    poke,
    async stop() {
      if (stopped) return loop;
      stopped = true;
      wake?.();
      await loop;
      const pending = [...inFlight.entries()];
      for (const [, f] of pending) f.abort.abort();
      await Promise.allSettled(pending.map(([, f]) => f.done));
      await outcomes.drained();
      if (pending.length > 0) {
        await knex('webhook_deliveries')
          .whereIn(
            'id',
            pending.map(([id]) => id),
          )
          .where({ state: 'pending' })
          .update({ next_attempt_at: knex.fn.now() })
          .catch((err: unknown) => logger.error('could not hand back webhook deliveries', { err }));
      }
    },
  };
}
