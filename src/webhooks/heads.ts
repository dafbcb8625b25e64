import type { Knex } from 'knex';

/**
 * Per-stream order without scanning backlogs: in each (webhook, stream) queue
 * only the head is due; the deliveries behind it wait with next_attempt_at =
 * infinity. When a head ends (delivered, or failed for good) the next one is
 * made due. The outbox projection (inserting) and the dispatcher (ending
 * deliveries) both do this under one transaction-level advisory lock, so a
 * delivery inserted while its predecessor ends is never left waiting: whichever
 * transaction takes the lock second sees the other's rows.
 */
export const BLOCKED = 'infinity';

export interface QueueKey {
  readonly webhook_id: string;
  readonly ordering_key: string;
}

export async function lockQueueHeads(trx: Knex.Transaction): Promise<void> {
  await trx.raw(`select pg_advisory_xact_lock(hashtext('roster-webhook-queue-heads'))`);
}

/** Makes the first pending delivery of each queue due when it is waiting as blocked. */
export async function unblockQueueHeads(trx: Knex.Transaction, keys: readonly QueueKey[]): Promise<void> {
  const unique = [...new Map(keys.map((k) => [`${k.webhook_id}\u0000${k.ordering_key}`, { webhook_id: k.webhook_id, ordering_key: k.ordering_key }])).values()];
  for (let i = 0; i < unique.length; i += 5000) {
    await trx.raw(
      `update webhook_deliveries n set next_attempt_at = now()
       from (
         select distinct on (p.webhook_id, p.ordering_key) p.id
         from webhook_deliveries p
         join jsonb_to_recordset(?::jsonb) as k(webhook_id text, ordering_key text)
           on p.webhook_id = k.webhook_id and p.ordering_key = k.ordering_key
         where p.state = 'pending'
         order by p.webhook_id, p.ordering_key, p.id
       ) h
       where n.id = h.id and n.next_attempt_at = 'infinity'`,
      [JSON.stringify(unique.slice(i, i + 5000))],
    );
  }
}
