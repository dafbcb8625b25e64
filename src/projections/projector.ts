import type { Knex } from 'knex';
import type pg from 'pg';
import { RosterError } from '../domain/errors';
import { BehaviorSubject, ReplaySubject, Subject, filter, firstValueFrom, map, merge, race, take, timer, type Subscription } from 'rxjs';
import { START, type EventStore, type Position, type RecordedEvent } from '../eventstore/types';
import type { Logger } from '../logger';
import { checkpointName, physicalNames, type Projection } from './projection';
import { createBatchApplier, type Checkpoint, type Target } from './projector-batch';
import { pointViews, setupGeneration } from './projector-generations';
import { createFeedWindow } from './projector-feed';
import { projectionStatuses, type ProjectionStatus } from './projector-status';

/**
 * The projector. It applies every projection this process holds the lock of (a
 * PostgreSQL advisory lock per projection, so only one process applies a
 * projection), in lanes: each lane is a pump that reads a batch from the global
 * feed once, applies it to every read model of the lane in ONE transaction, and
 * moves their checkpoints in that same transaction with one compare-and-set
 * statement. A crash never loses or doubles a row. The heavy read models (users,
 * audit log) have lanes of their own and the light ones share one, so a batch
 * costs a few feed reads and commits, not one per read model, and the lanes'
 * writes run side by side on PostgreSQL's cores instead of one after another.
 * Projections that are behind (a new one, or one just rebuilt) only get the
 * events after their own checkpoint.
 *
 * When a batch fails, it is applied again projection by projection and then event
 * by event under savepoints; an event a projection cannot apply goes to
 * `projection_failed_events` with its error, and the projection goes on.
 *
 * Rebuild fills a new generation beside the live tables from position zero (one
 * feed read for every read model being rebuilt), then, between two live batches,
 * drains the last events into it and swaps the views in one transaction.
 */
export interface Projector {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): Promise<ProjectionStatus[]>;
  /** Resolves true when every projection has applied `position` (false on timeout). */
  waitFor(position: Position, timeoutMs?: number): Promise<boolean>;
  /** Build new generations from position zero beside the live ones (one feed read for all), then swap atomically. */
  rebuild(names: string | readonly string[]): Promise<void>;
  readonly projections: readonly Projection[];
}

export interface ProjectorOptions {
  readonly batchSize?: number;
  /** How often a process retries the locks of projections held elsewhere (ms). */
  readonly lockRetryMs?: number;
}

interface CheckpointRow extends Checkpoint {
  name: string;
}

/**
 * The most events the lanes' feed window keeps parsed in memory (projector-feed.ts):
 * three batches, as the shared reads before it kept. 8,000 saved
 * a few more reads but raised an import's peak RSS by ~95 MiB (389 -> 483 MiB at
 * 50,000 users, measured with the bench's import child): too close to the 512 MiB
 * a million-user import must stay under.
 */
const SHARED_EVENTS = 3_000;

const lockKey = (name: string) => `roster-projection:${name}`;

export function createProjector(deps: { store: EventStore; knex: Knex; pool: pg.Pool; projections: readonly Projection[]; logger: Logger; options?: ProjectorOptions }): Projector {
  const { store, knex, pool, projections, logger } = deps;
  const batchSize = deps.options?.batchSize ?? 1000;
  const lockRetryMs = deps.options?.lockRetryMs ?? 2000;
  const stop$ = new ReplaySubject<void>(1);
  const kick$ = new Subject<void>();
  const progress = new Map(projections.map((p) => [checkpointName(p), new BehaviorSubject<Position>(START)]));
  /** Live checkpoints of the projections this process holds (the pump's view; the table is the truth). */
  const live = new Map<string, Checkpoint>();
  const rebuilding = new Set<string>();
  let stopped = false;
  let loops: Promise<void>[] = [];
  const laneOf = (p: Projection) => p.lane ?? 'main';
  const lanes = [...new Set(projections.map(laneOf))];

  // ---- advisory locks: one session holds every lock this process takes ----------------------
  let lockSession: Promise<pg.PoolClient> | undefined;
  const session = () =>
    (lockSession ??= pool.connect().then((client) => {
      client.on('error', (err) => {
        logger.warn('projection lock session lost', { err });
        lockSession = undefined;
        live.clear();
      });
      return client;
    }));
  let turn: Promise<unknown> = Promise.resolve();
  const onSession = <T>(f: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const next = turn.then(async () => f(await session()));
    turn = next.catch(() => {});
    return next;
  };

  /** Per lane, one at a time: a live batch of the lane, or a rebuild's final drain and swap (which takes every lane it touches). */
  const exclusive = new Map<string, Promise<unknown>>(lanes.map((l) => [l, Promise.resolve()]));
  const serially = <T>(on: readonly string[], f: () => Promise<T>): Promise<T> => {
    const next = Promise.all(on.map((l) => exclusive.get(l)!)).then(f);
    for (const l of on)
      exclusive.set(
        l,
        next.catch(() => {}),
      );
    return next;
  };
  const byLane = <T extends { p: Projection }>(targets: readonly T[]): T[][] => lanes.map((l) => targets.filter((t) => laneOf(t.p) === l)).filter((g) => g.length > 0);

  const byName = (name: string) => {
    const p = projections.find((x) => x.name === name || checkpointName(x) === name);
    if (!p) throw new RosterError('not_found', 'PROJECTION_NOT_FOUND', `Unknown projection: ${name}`);
    return p;
  };

  async function readCheckpoint(name: string): Promise<Checkpoint | undefined> {
    const row = await knex<CheckpointRow>('projection_checkpoints').where({ name }).first('position', 'generation');
    return row ? { position: row.position, generation: row.generation } : undefined;
  }

  async function ensureInitialised(p: Projection): Promise<void> {
    const name = checkpointName(p);
    if (await readCheckpoint(name)) return;
    await knex.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`${lockKey(name)}:setup`]);
      if (await trx('projection_checkpoints').where({ name }).first()) return;
      await setupGeneration(trx, p, 0, true);
      await trx('projection_checkpoints').insert({ name, position: START, generation: 0 });
    });
  }

  // ---- applying a batch (projector-batch.ts) -------------------------------------------------

  const applyBatch = createBatchApplier({ store, knex, logger });

  const minPosition = (targets: readonly Target[]) => targets.map((t) => t.cp.position).reduce((a, b) => (a === START || b === START ? START : store.comparePositions(a, b) <= 0 ? a : b));

  // ---- the live pump ------------------------------------------------------------------------

  let lastLockAttempt = 0;
  let locking: Promise<void> | undefined;
  /** Every lane's pump calls this; one attempt runs at a time. */
  const acquireLocks = () => (locking ??= tryLocks().finally(() => (locking = undefined)));
  async function tryLocks() {
    const missing = projections.filter((p) => !live.has(checkpointName(p)));
    if (!missing.length || Date.now() - lastLockAttempt < lockRetryMs) return;
    lastLockAttempt = Date.now();
    for (const p of missing) {
      const name = checkpointName(p);
      const { rows } = await onSession((c) => c.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [lockKey(name)]));
      if (!rows[0]!.ok) continue;
      const cp = (await readCheckpoint(name))!;
      live.set(name, cp);
      progress.get(name)!.next(cp.position);
    }
  }

  const liveTargets = (lane: string): Target[] =>
    projections.flatMap((p) => {
      if (laneOf(p) !== lane) return [];
      const row = checkpointName(p);
      const cp = live.get(row);
      return cp ? [{ p, row, cp }] : [];
    });

  /**
   * Wake-ups are counted, not only awaited: one that comes while a lane is reading or
   * applying must not be lost, or the lane sleeps a whole poll interval.
   *
   * A read can also miss an event that has committed and been announced: the feed shows
   * only events below the oldest open transaction, and a batch transaction of another
   * lane (or of a rebuild) is one. A short read made while one was open is remembered,
   * and the end of a batch transaction then wakes the lanes again. Only then: waking
   * them after every batch cost a command three more feed reads.
   */
  const signals = new BehaviorSubject(0);
  const signal = () => signals.next(signals.value + 1);
  let signalling: Subscription | undefined;
  let applying = 0;
  let heldBack = false;
  const apply = async (targets: readonly Target[], events: readonly RecordedEvent[]) => {
    applying++;
    try {
      return await applyBatch(targets, events);
    } finally {
      applying--;
      if (heldBack) {
        heldBack = false;
        signal();
      }
    }
  };
  /** Reads the store, noting a short read that a batch transaction open when it began may have held back. */
  const readStore = async (from: Position, size: number) => {
    const openBefore = applying;
    const events = await store.readAll(from, size);
    if (events.length < size && openBefore > 0) {
      // Its holder may have ended while we read: then read again at once.
      if (applying > 0) heldBack = true;
      else signal();
    }
    return events;
  };
  /** The lanes read the feed through one window (projector-feed.ts). */
  const feed = createFeedWindow({
    read: readStore,
    compare: (a, b) => store.comparePositions(a, b),
    clock: () => signals.value,
    lanes: () =>
      lanes.flatMap((l) => {
        const targets = liveTargets(l);
        return targets.length ? [minPosition(targets)] : [];
      }),
    max: SHARED_EVENTS,
  });
  const idle = (seen: number, ms: number) =>
    firstValueFrom(
      race(
        signals.pipe(
          filter((n) => n > seen),
          take(1),
        ),
        timer(ms),
        stop$.pipe(take(1)),
      ),
      { defaultValue: undefined },
    );

  async function pump(lane: string) {
    while (!stopped) {
      try {
        await acquireLocks();
        const seen = signals.value;
        const full = await serially([lane], async () => {
          const targets = liveTargets(lane);
          if (!targets.length) return false;
          const events = await feed.read(minPosition(targets), batchSize, seen);
          if (!events.length) return false;
          await apply(targets, events);
          for (const t of targets) progress.get(t.row)!.next(t.cp.position);
          return events.length === batchSize;
        });
        if (!full && !stopped) await idle(seen, live.size ? 1000 : lockRetryMs);
      } catch (err) {
        // A checkpoint moved under us (another process took over after our lock session died): start over from the table.
        logger.error('projector batch failed; retrying', { err, lane });
        for (const p of projections) if (laneOf(p) === lane) live.delete(checkpointName(p));
        lastLockAttempt = 0;
        if (!stopped) await firstValueFrom(race(timer(lockRetryMs), stop$.pipe(take(1))), { defaultValue: undefined });
      }
    }
  }

  // ---- rebuild ------------------------------------------------------------------------------

  /**
   * Applies the feed to shadow targets until a read comes back short: each batch is
   * read once for all of them (and the next one while it is applied) and applied to
   * their lanes side by side.
   */
  async function drain(targets: readonly Target[]) {
    // Nothing waits on a rebuild's batches: bigger ones spread the fixed cost of a batch (a read, a commit, a statement per table) over more events.
    const size = batchSize * 5;
    const groups = byLane(targets);
    let read = store.readAll(minPosition(targets), size);
    for (;;) {
      const events = await read;
      if (!events.length) return;
      const full = events.length === size;
      if (full) {
        read = store.readAll(events[events.length - 1]!.position, size);
        read.catch(() => {}); // awaited on the next turn; a failed apply must not leave it unhandled
      }
      await Promise.all(groups.map((group) => apply(group, events)));
      if (!full) return;
      if (stopped) throw new Error('projector stopped during rebuild');
    }
  }

  async function rebuild(names: string | readonly string[]) {
    const list = [...new Set((typeof names === 'string' ? [names] : names).map(byName))];
    for (const p of list) {
      const name = checkpointName(p);
      if (!live.has(name)) throw new RosterError('conflict', 'PROJECTION_NOT_RUNNING_HERE', `Projection ${p.name} is not running in this process`);
      if (rebuilding.has(name)) throw new RosterError('conflict', 'PROJECTION_REBUILDING', `Projection ${p.name} is already rebuilding`);
    }
    const shadows: (Target & { oldGeneration: number })[] = [];
    for (const p of list) rebuilding.add(checkpointName(p));
    try {
      // 1. New generations beside the live ones, filled from position zero.
      for (const p of list) {
        const name = checkpointName(p);
        const oldGeneration = live.get(name)!.generation;
        const generation = oldGeneration + 1;
        const row = `${name}#rebuild`;
        await knex.transaction(async (trx) => {
          await setupGeneration(trx, p, generation, false);
          await trx('projection_checkpoints').where({ name: row }).delete();
          await trx('projection_checkpoints').insert({ name: row, position: START, generation });
        });
        shadows.push({ p, row, cp: { position: START, generation }, oldGeneration });
      }
      await drain(shadows);
      // 2. The query indexes, over the filled tables (one sort each, not a million index inserts),
      //    two read models at a time: the users' trigram index takes one core while the others are built
      //    (two, not all: a build holds a pooled connection for as long as it takes).
      const toIndex = shadows.filter((s) => s.p.indexes !== undefined);
      const builder = async () => {
        for (let s = toIndex.shift(); s; s = toIndex.shift()) await knex.transaction((trx) => s.p.indexes!(trx, physicalNames(s.p, s.cp.generation)));
      };
      await Promise.all([builder(), builder()]);
      // 3. Between two live batches: the last events, then the swap.
      await serially([...new Set(shadows.map((s) => laneOf(s.p)))], async () => {
        await drain(shadows);
        await knex.transaction(async (trx) => {
          for (const s of shadows) {
            const name = checkpointName(s.p);
            await pointViews(trx, s.p, s.cp.generation);
            await trx('projection_checkpoints').where({ name }).update({ position: s.cp.position, generation: s.cp.generation, updated_at: trx.fn.now() });
            await trx('projection_checkpoints').where({ name: s.row }).delete();
            for (const logical of s.p.tables) await trx.raw('drop table if exists ?? cascade', [physicalNames(s.p, s.oldGeneration)(logical)]);
          }
        });
        for (const s of shadows) {
          const name = checkpointName(s.p);
          if (live.has(name)) live.set(name, { position: s.cp.position, generation: s.cp.generation });
          progress.get(name)!.next(s.cp.position);
        }
      });
    } finally {
      for (const p of list) rebuilding.delete(checkpointName(p));
      kick$.next();
    }
  }

  return {
    projections,
    async start() {
      // The locks this process can take are taken before start() returns, so that
      // status() and rebuild() see them at once (a rebuild right after start).
      for (const p of projections) await ensureInitialised(p);
      await acquireLocks();
      signalling = merge(store.wakeups, kick$).subscribe(signal);
      loops = lanes.map((lane) => pump(lane).catch((err: unknown) => logger.error('projector loop failed', { err, lane })));
    },
    async stop() {
      stopped = true;
      stop$.next();
      stop$.complete();
      kick$.next();
      await Promise.all(loops);
      signalling?.unsubscribe();
      await serially(lanes, async () => {});
      const s = lockSession;
      lockSession = undefined;
      live.clear();
      if (s) {
        const client = await s.catch(() => undefined);
        if (client) {
          await client.query('select pg_advisory_unlock_all()').catch(() => {});
          client.release();
        }
      }
    },
    status: () => projectionStatuses({ knex, store, projections, runningHere: (name) => live.has(name) && !stopped, rebuilding: (name) => rebuilding.has(name) }),
    async waitFor(position, timeoutMs = 5000) {
      // Nothing to wait for: an empty store's head (every projection has "applied" it).
      if (position === START) return true;
      const deadline = Date.now() + timeoutMs;
      const reached = (pos: Position) => pos !== START && store.comparePositions(pos, position) >= 0;
      for (const p of projections) {
        const name = checkpointName(p);
        if (live.has(name)) {
          // Most read models of a lane get there in the same batch: once one of them has, the
          // others usually have too, and a look at the subject's value spares a subscription and a timer.
          if (reached(progress.get(name)!.value)) continue;
          const ok = await firstValueFrom(
            race(
              progress.get(name)!.pipe(
                filter(reached),
                map(() => true),
              ),
              timer(Math.max(0, deadline - Date.now())).pipe(map(() => false)),
            ),
          );
          if (!ok) return false;
        } else {
          // Applied by another process: poll its checkpoint.
          for (;;) {
            const cp = await readCheckpoint(name);
            if (cp && reached(cp.position)) break;
            if (Date.now() >= deadline) return false;
            await firstValueFrom(timer(20));
          }
        }
      }
      return true;
    },
    rebuild,
  };
}
