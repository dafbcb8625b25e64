import type { Knex } from 'knex';
import { START, type EventStore, type Position, type RecordedEvent } from '../eventstore/types';
import type { Logger } from '../logger';
import { physicalNames, type Projection } from './projection';
import { prepared } from './support';

/**
 * How the projector applies one batch of the feed to a set of targets (the read
 * models of a lane, or a rebuild's shadows): in one transaction with their
 * checkpoints, and when that fails, target by target, then event by event under
 * savepoints, parking an event a target cannot apply.
 */
export interface Checkpoint {
  position: Position;
  generation: number;
}

/** A projection applied to one checkpoint row: the live one, or a rebuild's shadow. */
export interface Target {
  readonly p: Projection;
  readonly row: string;
  readonly cp: Checkpoint;
}

const conflict = (row: string) => Object.assign(new Error(`checkpoint of ${row} moved under us`), { code: 'CHECKPOINT_CONFLICT' });

/** True when an error means another process moved a checkpoint under this one. */
const isCheckpointConflict = (err: unknown) => (err as { code?: string } | undefined)?.code === 'CHECKPOINT_CONFLICT';

export function createBatchApplier(deps: { store: EventStore; knex: Knex; logger: Logger }) {
  const { store, knex, logger } = deps;

  /**
   * The events of the batch a target has not applied yet. The batch is in feed order,
   * so they are a suffix of it — usually all of it (one comparison, not one per event).
   */
  const eventsFor = (target: Target, events: readonly RecordedEvent[]) => {
    const position = target.cp.position;
    if (position === START) return events;
    let i = 0;
    while (i < events.length && store.comparePositions(events[i]!.position, position) <= 0) i++;
    return i === 0 ? events : events.slice(i);
  };

  const behind = (target: Target, next: Position) => target.cp.position === START || store.comparePositions(target.cp.position, next) < 0;

  /**
   * Moves the checkpoints of the targets behind `next` to it, each compare-and-set on
   * its previous value. The same statement relaxes the commit: a batch's transaction
   * does not wait for its WAL to reach the disk. Safe: the rows and the checkpoint
   * commit together, so a crash that loses the last batches loses their checkpoint
   * moves too, and they are applied again from the events (which are durable).
   * Other sessions see the rows at commit as usual, so read-your-writes holds. It
   * saves an fsync per batch — most of a command's wait — and, set here rather than
   * by a statement of its own, a round trip per lane and batch. A named prepared
   * statement: parsed and planned once per connection.
   */
  async function moveCheckpoints(trx: Knex.Transaction, all: readonly Target[], next: Position) {
    const targets = all.filter((t) => behind(t, next));
    if (!targets.length) return;
    const { rowCount } = await prepared<{ rowCount: number }>(
      trx,
      `update projection_checkpoints c set position = ?, updated_at = now()
       from unnest(?::text[], ?::text[], ?::int[]) as v(name, position, generation),
            (select set_config('synchronous_commit', 'off', true)) as relaxed
       where c.name = v.name and c.position = v.position and c.generation = v.generation`,
      [next, targets.map((t) => t.row), targets.map((t) => t.cp.position), targets.map((t) => t.cp.generation)],
    );
    if (rowCount !== targets.length) throw conflict(targets.map((t) => t.row).join(', '));
  }

  async function park(trx: Knex.Transaction, target: Target, e: RecordedEvent, err: unknown) {
    logger.error('projection failed to apply an event', { projection: target.row, event_id: e.id, type: e.type, err });
    await trx('projection_failed_events').insert({
      projection: target.row,
      event_id: e.id,
      position: e.position,
      event_type: e.type,
      error: String((err as Error | undefined)?.message ?? err).slice(0, 2000),
    });
  }

  /** Applies one batch to every target in one transaction; on failure, target by target, then event by event. Returns the batch's last position. */
  return async function applyBatch(targets: readonly Target[], events: readonly RecordedEvent[]): Promise<Position> {
    const next = events[events.length - 1]!.position;
    const work = targets.map((target) => ({ target, events: eventsFor(target, events), t: physicalNames(target.p, target.cp.generation) }));
    try {
      await knex.transaction(async (trx) => {
        for (const w of work) if (w.events.length) await w.target.p.apply(trx, w.events, w.t);
        await moveCheckpoints(trx, targets, next);
      });
    } catch (err) {
      if (isCheckpointConflict(err)) throw err;
      await knex.transaction(async (trx) => {
        for (const w of work) {
          if (!w.events.length) continue;
          try {
            await trx.transaction(async (sp) => w.target.p.apply(sp, w.events, w.t));
          } catch {
            for (const e of w.events) {
              try {
                await trx.transaction(async (sp) => w.target.p.apply(sp, [e], w.t));
              } catch (eventErr) {
                await park(trx, w.target, e, eventErr);
              }
            }
          }
        }
        await moveCheckpoints(trx, targets, next);
      });
    }
    for (const target of targets) if (behind(target, next)) target.cp.position = next;
    return next;
  };
}
