import type { Knex } from 'knex';
import type { Logger } from '../logger';
import type { Outcome } from './delivery-attempt';
import { lockQueueHeads, unblockQueueHeads } from './heads';

/**
 * Recording attempts, in batches. Sends finish independently; their outcomes are
 * written together (one transaction per batch), so recording keeps up with many
 * fast endpoints. Each outcome adds a row to the delivery log, moves its delivery
 * (delivered; failed for good after the retry period or on a refused endpoint;
 * else due again after a backoff), lets the next delivery of its stream go
 * (heads.ts), and updates its webhook's health. A delivery stays `pending` (and
 * leased) until its outcome is written, so the next event of the same stream
 * waits for it.
 */
export interface AttemptedDelivery {
  readonly id: number;
  readonly webhook_id: string;
  /** Attempts before this one. */
  readonly attempts: number;
}

export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
  /** ± fraction of the delay. */
  readonly jitter: number;
}

/** Delay before attempt `attempt + 1` after `attempt` failed attempts (1-based). */
export function backoffDelay(attempt: number, o: Backoff, random: () => number = Math.random): number {
  const exp = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 40)));
  const jittered = exp * (1 + o.jitter * (2 * random() - 1));
  return Math.max(0, Math.round(Math.min(o.maxMs, jittered)));
}

export interface OutcomeRecorder {
  /** Resolves once the outcome is written (or its batch failed: the delivery is then attempted again when its lease ends). */
  record(c: AttemptedDelivery, r: Outcome): Promise<void>;
  /** Resolves when every outcome recorded so far is written. */
  drained(): Promise<void>;
}

export function createOutcomeRecorder(deps: { knex: Knex; logger: Logger; retryPeriodMs: number; backoff: Backoff; random: () => number }): OutcomeRecorder {
  const { knex, logger, retryPeriodMs, backoff, random } = deps;
  const queue: { c: AttemptedDelivery; r: Outcome; settle: () => void }[] = [];
  let flushing: Promise<void> | undefined;

  function record(c: AttemptedDelivery, r: Outcome): Promise<void> {
    return new Promise<void>((settle) => {
      queue.push({ c, r, settle });
      kick();
    });
  }
  function kick() {
    if (flushing) return;
    flushing = flush().finally(() => {
      flushing = undefined;
      if (queue.length > 0) kick();
    });
  }
  async function drained(): Promise<void> {
    while (flushing) await flushing;
  }

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, 500);
      try {
        await writeOutcomes(batch.map((b) => ({ c: b.c, r: b.r })));
      } catch (err) {
        // The deliveries stay leased and pending: they are attempted again when the lease ends.
        logger.error('could not record webhook attempts', { err, deliveries: batch.length });
      } finally {
        for (const b of batch) b.settle();
      }
    }
  }

  async function writeOutcomes(batch: readonly { c: AttemptedDelivery; r: Outcome }[]): Promise<void> {
    const rows = batch.map(({ c, r }) => ({
      id: c.id,
      webhook_id: c.webhook_id,
      attempt: c.attempts + 1,
      ok: r.ok,
      status: r.status,
      error: r.error,
      latency: r.latencyMs,
      permanent: r.permanent === true,
      delay_ms: backoffDelay(c.attempts + 1, backoff, random),
    }));
    const recordset = `jsonb_to_recordset(?::jsonb) as o(id bigint, webhook_id text, attempt int, ok boolean, status int, error text, latency int, permanent boolean, delay_ms int)`;
    await knex.transaction(async (trx) => {
      await lockQueueHeads(trx);
      await trx.raw(
        `insert into webhook_delivery_attempts (delivery_id, attempt, attempted_at, outcome, status_code, latency_ms, error)
         select o.id, o.attempt, now(), case when o.ok then 'delivered' else 'failed' end, o.status, o.latency, o.error from ${recordset}`,
        [JSON.stringify(rows)],
      );
      const { rows: updated } = await trx.raw<{ rows: { id: number; webhook_id: string; ordering_key: string; state: string }[] }>(
        `update webhook_deliveries d set
           state = case
             when o.ok then 'delivered'
             when o.permanent or coalesce(d.first_attempt_at, now()) + (? * interval '1 millisecond') <= now() then 'failed'
             else 'pending' end,
           attempts = d.attempts + 1,
           first_attempt_at = coalesce(d.first_attempt_at, now()),
           last_attempt_at = now(),
           last_status = o.status,
           last_error = o.error,
           delivered_at = case when o.ok then now() else d.delivered_at end,
           next_attempt_at = case when o.ok then d.next_attempt_at else now() + (o.delay_ms * interval '1 millisecond') end
         from ${recordset}
         where d.id = o.id and (o.ok or d.state = 'pending')
         returning d.id, d.webhook_id, d.ordering_key, d.state`,
        [retryPeriodMs, JSON.stringify(rows)],
      );
      // A delivery that ended lets the next one of its stream go.
      await unblockQueueHeads(
        trx,
        updated.filter((u) => u.state !== 'pending'),
      );
      const gaveUp = updated.filter((u) => u.state === 'failed');
      for (const g of gaveUp) {
        const row = rows.find((x) => x.id === g.id);
        logger.warn('webhook delivery gave up', { webhook_id: g.webhook_id, delivery_id: g.id, attempts: row?.attempt, error: row?.error });
      }
      // Health per webhook: its latest outcome in this batch decides.
      const latest = new Map<string, (typeof rows)[number]>();
      for (const row of rows) latest.set(row.webhook_id, row);
      for (const [webhookId, row] of latest) {
        if (row.ok) {
          await trx.raw(
            `insert into webhook_health (webhook_id, last_success_at) values (?, now())
             on conflict (webhook_id) do update set last_success_at = now(), failing_since = null, marked_failing_at = null`,
            [webhookId],
          );
          continue;
        }
        const expired = gaveUp.some((g) => g.webhook_id === webhookId);
        const { rows: health } = await trx.raw<{ rows: { newly_failing: boolean }[] }>(
          `insert into webhook_health as h (webhook_id, failing_since, last_failure_at, marked_failing_at)
             values (?, now(), now(), case when ? then now() end)
           on conflict (webhook_id) do update set
             failing_since = coalesce(h.failing_since, now()),
             last_failure_at = now(),
             marked_failing_at = case
               when h.marked_failing_at is not null then h.marked_failing_at
               when ? or coalesce(h.failing_since, now()) + (? * interval '1 millisecond') <= now() then now()
             end
           returning (marked_failing_at = now()) as newly_failing`,
          [webhookId, expired, expired, retryPeriodMs],
        );
        if (health[0]?.newly_failing) logger.warn('webhook marked failing', { webhook_id: webhookId });
      }
    });
  }

  return { record, drained };
}
