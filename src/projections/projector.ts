import type { Knex } from 'knex';
import type pg from 'pg';
import {
  BehaviorSubject,
  ReplaySubject,
  Subject,
  concatMap,
  defer,
  filter,
  firstValueFrom,
  from,
  map,
  of,
  race,
  repeat,
  take,
  takeUntil,
  timer,
} from 'rxjs';
import { START, type EventStore, type Position, type RecordedEvent } from '../eventstore/types';
import type { Logger } from '../logger';
import { checkpointName, physicalNames, viewName, type Projection } from './projection';

/**
 * The RxJS projector. For each projection: take a PostgreSQL advisory lock (so
 * only one process applies it), then pull batches from the global feed after the
 * checkpoint and apply them with `concatMap`, each batch's rows and the new
 * checkpoint in one transaction (the checkpoint as a compare-and-set on the
 * previous value). Pulling (read a batch, apply, read the next) keeps memory flat
 * during a catch-up of millions of events.
 *
 * An event a projection cannot apply goes to `projection_failed_events` with its
 * error, and the projection goes on.
 */
export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly checkpoint: Position;
  readonly generation: number;
  readonly lag_events: number;
  readonly lag_seconds: number;
  readonly failed_events: number;
  /** true when this process holds the projection's lock and applies it. */
  readonly running_here: boolean;
  readonly rebuilding: boolean;
}

export interface Projector {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): Promise<ProjectionStatus[]>;
  /** Resolves true when every projection has applied `position` (false on timeout). */
  waitFor(position: Position, timeoutMs?: number): Promise<boolean>;
  /** Build a new generation from position zero beside the live one, then swap atomically. */
  rebuild(name: string): Promise<void>;
  readonly projections: readonly Projection[];
}

export interface ProjectorOptions {
  readonly batchSize?: number;
  /** How often a standby process retries the lock of a projection held elsewhere (ms). */
  readonly lockRetryMs?: number;
}

interface Checkpoint {
  position: Position;
  generation: number;
}

const lockKey = (name: string) => `roster-projection:${name}`;

export function createProjector(deps: {
  store: EventStore;
  knex: Knex;
  pool: pg.Pool;
  projections: readonly Projection[];
  logger: Logger;
  options?: ProjectorOptions;
}): Projector {
  const { store, knex, pool, projections, logger } = deps;
  const batchSize = deps.options?.batchSize ?? 1000;
  const lockRetryMs = deps.options?.lockRetryMs ?? 2000;
  // Replays to late subscribers: a pump started just after stop() must still see it.
  const stop$ = new ReplaySubject<void>(1);
  const progress = new Map(projections.map((p) => [checkpointName(p), new BehaviorSubject<Position>(START)]));
  const runningHere = new Set<string>();
  const rebuilding = new Set<string>();
  /**
   * One session holds the advisory locks of every projection this process runs, so
   * ten projections take one connection, not ten. If that session dies, PostgreSQL
   * releases its locks; another process may then take over, and the checkpoint
   * compare-and-set stops this one from applying a batch twice.
   */
  let lockSession: Promise<pg.PoolClient> | undefined;
  const session = () =>
    (lockSession ??= pool.connect().then((client) => {
      client.on('error', (err) => {
        logger.warn('projection lock session lost', { err });
        lockSession = undefined;
      });
      return client;
    }));
  const held = new Set<string>();
  // The session runs one query at a time: lock and unlock calls take turns.
  let turn: Promise<unknown> = Promise.resolve();
  const onSession = <T>(f: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const next = turn.then(async () => f(await session()));
    turn = next.catch(() => {});
    return next;
  };
  /** Per projection: how to stop the current pump, and a pending pause request from a rebuild. */
  const controls = new Map<string, { stopPump: Subject<void>; pause?: { paused: () => void; resumed: Promise<void> } }>();
  const loops: Promise<void>[] = [];
  let stopped = false;

  const byName = (name: string) => {
    const p = projections.find((x) => x.name === name || checkpointName(x) === name);
    if (!p) throw Object.assign(new Error(`Unknown projection: ${name}`), { code: 'PROJECTION_NOT_FOUND' });
    return p;
  };

  async function readCheckpoint(name: string): Promise<Checkpoint | undefined> {
    const row = await knex('projection_checkpoints').where({ name }).first('position', 'generation');
    return row ? { position: row.position, generation: row.generation } : undefined;
  }

  /** Create the generation's tables and point the views at them. */
  async function setupGeneration(trx: Knex.Transaction, p: Projection, generation: number, swapViews: boolean) {
    const t = physicalNames(p, generation);
    for (const logical of p.tables) await trx.raw('drop table if exists ?? cascade', [t(logical)]);
    await p.setup(trx, t);
    if (swapViews) await pointViews(trx, p, generation);
  }

  async function pointViews(trx: Knex.Transaction, p: Projection, generation: number) {
    const t = physicalNames(p, generation);
    for (const logical of p.tables) {
      await trx.raw('drop view if exists ??', [viewName(p, logical)]);
      await trx.raw('create view ?? as select * from ??', [viewName(p, logical), t(logical)]);
    }
  }

  async function ensureInitialised(p: Projection): Promise<Checkpoint> {
    const name = checkpointName(p);
    const existing = await readCheckpoint(name);
    if (existing) return existing;
    await knex.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`${lockKey(name)}:setup`]);
      const again = await trx('projection_checkpoints').where({ name }).first();
      if (again) return;
      await setupGeneration(trx, p, 0, true);
      await trx('projection_checkpoints').insert({ name, position: START, generation: 0 });
    });
    return (await readCheckpoint(name))!;
  }

  /** Apply one batch; on failure, apply event by event and park the ones that fail. */
  async function applyBatch(p: Projection, cp: Checkpoint, events: readonly RecordedEvent[], checkpointRow: string): Promise<Position> {
    const t = physicalNames(p, cp.generation);
    const next = events[events.length - 1]!.position;
    const commit = async (trx: Knex.Transaction) => {
      const moved = await trx('projection_checkpoints')
        .where({ name: checkpointRow, position: cp.position, generation: cp.generation })
        .update({ position: next, updated_at: trx.fn.now() });
      if (moved !== 1) throw Object.assign(new Error(`checkpoint of ${checkpointRow} moved under us`), { code: 'CHECKPOINT_CONFLICT' });
    };
    try {
      await knex.transaction(async (trx) => {
        await p.apply(trx, events, t);
        await commit(trx);
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'CHECKPOINT_CONFLICT') throw err;
      await knex.transaction(async (trx) => {
        for (const e of events) {
          try {
            await trx.transaction(async (sp) => p.apply(sp, [e], t));
          } catch (eventErr) {
            logger.error('projection failed to apply an event', { projection: checkpointRow, event_id: e.id, type: e.type, err: eventErr });
            await trx('projection_failed_events').insert({
              projection: checkpointRow,
              event_id: e.id,
              position: e.position,
              event_type: e.type,
              error: String((eventErr as Error)?.message ?? eventErr).slice(0, 2000),
            });
          }
        }
        await commit(trx);
      });
    }
    return next;
  }

  /**
   * Projections that move together (after an import, during a catch-up) ask for the
   * same batch: read it once. Only full batches are shared — a full batch after a
   * position never changes (everything in it is below the watermark, and anything
   * committed later sorts after it) — while a short batch is the live tail and is
   * always read afresh.
   */
  const sharedBatches = new Map<Position, Promise<RecordedEvent[]>>();
  const readBatch = (from: Position): Promise<RecordedEvent[]> => {
    const cached = sharedBatches.get(from);
    if (cached) return cached;
    const read = store.readAll(from, batchSize);
    sharedBatches.set(from, read);
    read.then(
      (events) => {
        if (events.length < batchSize) sharedBatches.delete(from);
      },
      () => sharedBatches.delete(from),
    );
    // Bounded: the oldest batches go first.
    while (sharedBatches.size > 16) sharedBatches.delete(sharedBatches.keys().next().value!);
    return read;
  };

  /** Pull-and-apply loop for one checkpoint row, following the live feed until `stop` fires. */
  function pump(p: Projection, checkpointRow: string, cp: Checkpoint, stop: Subject<void>) {
    let full = false;
    return defer(() => from(readBatch(cp.position))).pipe(
      concatMap(async (events) => {
        full = events.length === batchSize;
        if (events.length === 0) return cp.position;
        cp.position = await applyBatch(p, cp, events, checkpointRow);
        return cp.position;
      }),
      repeat({ delay: () => (full ? of(0) : race(store.wakeups.pipe(take(1)), timer(1000))) }),
      takeUntil(stop),
      takeUntil(stop$),
    );
  }

  async function acquireLock(name: string): Promise<boolean> {
    const { rows } = await onSession((client) => client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [lockKey(name)]));
    if (rows[0]!.ok) held.add(name);
    return rows[0]!.ok;
  }

  async function releaseLock(name: string) {
    if (!held.has(name)) return;
    await onSession(async (client) => {
      await client.query('select pg_advisory_unlock(hashtext($1))', [lockKey(name)]).catch(() => {});
      held.delete(name);
      // The last unlock after stop() hands the session back (unlocks take turns, so this runs once).
      if (held.size === 0 && stopped) {
        lockSession = undefined;
        client.release();
      }
    }).catch(() => {});
  }

  async function runProjection(p: Projection) {
    const name = checkpointName(p);
    await ensureInitialised(p);
    while (!stopped) {
      if (!(await acquireLock(name))) {
        if (!stopped) await firstValueFrom(race(timer(lockRetryMs), stop$.pipe(take(1))), { defaultValue: undefined });
        continue;
      }
      runningHere.add(name);
      try {
        while (!stopped) {
          const cp = (await readCheckpoint(name))!;
          const control = { stopPump: new Subject<void>() } as { stopPump: Subject<void>; pause?: { paused: () => void; resumed: Promise<void> } };
          controls.set(name, control);
          const subject = progress.get(name)!;
          subject.next(cp.position);
          await new Promise<void>((resolve, reject) => {
            pump(p, name, cp, control.stopPump).subscribe({ next: (pos) => subject.next(pos), error: reject, complete: resolve });
          });
          if (stopped || !control.pause) break;
          // A rebuild asked us to pause: it swaps the generation, then we resume from its checkpoint.
          control.pause.paused();
          await control.pause.resumed;
        }
      } catch (err) {
        logger.error('projection stopped on an error; retrying', { projection: name, err });
        if (!stopped) await firstValueFrom(race(timer(lockRetryMs), stop$.pipe(take(1))), { defaultValue: undefined });
      } finally {
        runningHere.delete(name);
        await releaseLock(name);
      }
    }
  }

  return {
    projections,
    async start() {
      for (const p of projections) {
        loops.push(runProjection(p).catch((err) => logger.error('projection loop failed', { projection: p.name, err })));
      }
    },
    async stop() {
      stopped = true;
      stop$.next();
      stop$.complete();
      await Promise.allSettled(loops);
      // Every lock is released by now; a session that never held one goes back to the pool too.
      const idle = lockSession;
      lockSession = undefined;
      if (idle && held.size === 0) (await idle.catch(() => undefined))?.release();
    },
    async status() {
      const rows = await knex('projection_checkpoints').select('name', 'position', 'generation');
      const failed = await knex.raw<{ rows: { projection: string; n: number }[] }>(
        'select projection, count(*)::bigint as n from projection_failed_events group by projection',
      );
      const failedBy = new Map(failed.rows.map((r) => [r.projection, Number(r.n)]));
      const out: ProjectionStatus[] = [];
      for (const p of projections) {
        const name = checkpointName(p);
        const row = rows.find((r) => r.name === name);
        const position: Position = row?.position ?? START;
        const [lagEvents, nextEvent] = await Promise.all([store.countAfter(position), store.readAll(position, 1)]);
        out.push({
          name: p.name,
          version: p.version,
          checkpoint: position,
          generation: row?.generation ?? 0,
          lag_events: lagEvents,
          lag_seconds: nextEvent[0] ? Math.max(0, (Date.now() - nextEvent[0].recordedAt.getTime()) / 1000) : 0,
          failed_events: failedBy.get(name) ?? 0,
          running_here: runningHere.has(name),
          rebuilding: rebuilding.has(name),
        });
      }
      return out;
    },
    async waitFor(position, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (const p of projections) {
        const name = checkpointName(p);
        const reached = (pos: Position) => pos !== START && store.comparePositions(pos, position) >= 0;
        if (runningHere.has(name)) {
          const ok = await firstValueFrom(
            race(progress.get(name)!.pipe(filter(reached), map(() => true)), timer(Math.max(0, deadline - Date.now())).pipe(map(() => false))),
          );
          if (!ok) return false;
        } else {
          // Applied by another process: poll its checkpoint.
          for (;;) {
            const cp = await readCheckpoint(name);
            if (cp && reached(cp.position)) break;
            if (Date.now() >= deadline) return false;
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      }
      return true;
    },
    async rebuild(nameOrRow) {
      const p = byName(nameOrRow);
      const name = checkpointName(p);
      if (!runningHere.has(name)) throw Object.assign(new Error(`Projection ${p.name} is not running in this process`), { code: 'PROJECTION_NOT_RUNNING_HERE' });
      if (rebuilding.has(name)) throw Object.assign(new Error(`Projection ${p.name} is already rebuilding`), { code: 'PROJECTION_REBUILDING' });
      rebuilding.add(name);
      const shadow = `${name}#rebuild`;
      try {
        const live = (await readCheckpoint(name))!;
        const generation = live.generation + 1;
        // 1. Build the new generation beside the live one, from position zero.
        await knex.transaction(async (trx) => {
          await setupGeneration(trx, p, generation, false);
          await trx('projection_checkpoints').where({ name: shadow }).delete();
          await trx('projection_checkpoints').insert({ name: shadow, position: START, generation });
        });
        const cp: Checkpoint = { position: START, generation };
        await drain(p, shadow, cp);
        // 2. Pause the live pipeline, drain the last events into the new generation, swap.
        const control = controls.get(name)!;
        let resume!: () => void;
        const resumed = new Promise<void>((r) => (resume = r));
        await new Promise<void>((paused) => {
          control.pause = { paused, resumed };
          control.stopPump.next();
        });
        try {
          await drain(p, shadow, cp);
          await knex.transaction(async (trx) => {
            await pointViews(trx, p, generation);
            await trx('projection_checkpoints').where({ name }).update({ position: cp.position, generation, updated_at: trx.fn.now() });
            await trx('projection_checkpoints').where({ name: shadow }).delete();
            for (const logical of p.tables) await trx.raw('drop table if exists ?? cascade', [physicalNames(p, live.generation)(logical)]);
          });
        } finally {
          resume();
        }
      } finally {
        rebuilding.delete(name);
      }
    },
  };

  /** Apply events to a checkpoint row until a read comes back short. */
  async function drain(p: Projection, row: string, cp: Checkpoint) {
    for (;;) {
      const events = await readBatch(cp.position);
      if (events.length === 0) return;
      cp.position = await applyBatch(p, cp, events, row);
      if (events.length < batchSize) return;
      if (stopped) throw new Error('projector stopped during rebuild');
    }
  }
}
