import { START, type Position, type RecordedEvent } from '../eventstore/types';

/**
 * The lanes' shared view of the feed: runs of recent events, each read from the
 * store once and served to every lane from wherever it stands in them.
 *
 * Lanes move at different speeds (the light one far ahead of the users and audit
 * lanes in an import), so they ask for batches from different positions; keyed on
 * the position asked, a read was shared only when two lanes happened to stand at
 * the same one, and an import read its events about 2.5 times. Here a run holds the
 * feed's events after its `from`, contiguous: a lane inside a run takes its batch
 * from memory, and only a lane at the run's end reads the store — from the end, so
 * what comes back extends the run for the lanes behind it. A lane outside every run
 * starts one; a run that reaches the next one merges with it.
 *
 * Why a stored read stays true: the store never returns an event while an earlier
 * position may still commit, so any read is a final prefix of the feed after its
 * start, short or full. What a read may lack is what came after it began: a lane
 * woken by wake-up n takes a read already under way only if it began at or after n
 * (`seen`), and reads afresh otherwise.
 *
 * A run keeps only the events a lane inside it has not applied, and all runs
 * together at most `max` (the oldest go first; a lane behind what was dropped reads
 * on its own until it reaches a run again).
 */
export interface FeedWindow {
  /** Up to `size` events after `from`; `seen` is the wake-up count the caller has seen. */
  read(from: Position, size: number, seen: number): Promise<RecordedEvent[]>;
}

interface Run {
  /** The run holds the feed's events after this position. */
  from: Position;
  events: RecordedEvent[];
}

export function createFeedWindow(deps: {
  /** A read of the store (with the projector's held-back bookkeeping). */
  readonly read: (from: Position, size: number) => Promise<RecordedEvent[]>;
  readonly compare: (a: Position, b: Position) => number;
  /** The wake-up count now. */
  readonly clock: () => number;
  /** Where each lane stands (the oldest position it may still ask for). */
  readonly lanes: () => readonly Position[];
  readonly max: number;
}): FeedWindow {
  const cmp = (a: Position, b: Position) => (a === b ? 0 : a === START ? -1 : b === START ? 1 : deps.compare(a, b));
  const end = (r: Run) => (r.events.length ? r.events[r.events.length - 1]!.position : r.from);
  const holds = (r: Run, p: Position) => cmp(p, r.from) >= 0 && cmp(p, end(r)) <= 0;
  /** In feed order, not overlapping. */
  let runs: Run[] = [];
  /** Reads from a run's end under way, by where they start. */
  const pending = new Map<Position, { startedAt: number; read: Promise<RecordedEvent[]> }>();

  /** The index of the first event of `r` after `p`. */
  const after = (r: Run, p: Position) => {
    let lo = 0;
    let hi = r.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(r.events[mid]!.position, p) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  /** `got` is the feed after `at`: what goes past the end of the run holding `at` extends it. */
  function extend(at: Position, got: readonly RecordedEvent[]) {
    const i = runs.findIndex((r) => holds(r, at));
    if (i < 0 || !got.length) return;
    const run = runs[i]!;
    const last = end(run);
    let j = 0;
    while (j < got.length && cmp(got[j]!.position, last) <= 0) j++;
    for (; j < got.length; j++) run.events.push(got[j]!);
    // Reached the next runs: one run.
    for (let next = runs[i + 1]; next && cmp(end(run), next.from) >= 0; next = runs[i + 1]) {
      run.events.push(...next.events.slice(after(next, end(run))));
      runs.splice(i + 1, 1);
    }
    trim();
  }

  /** Drops what no lane inside a run still needs, then the oldest events over `max`. */
  function trim() {
    const lanes = deps.lanes();
    runs = runs.filter((r) => {
      const inside = lanes.filter((p) => holds(r, p));
      if (!inside.length) return [...pending.keys()].some((p) => holds(r, p));
      const oldest = inside.reduce((a, b) => (cmp(a, b) <= 0 ? a : b));
      const drop = after(r, oldest);
      if (drop > 0) {
        r.from = r.events[drop - 1]!.position;
        r.events = r.events.slice(drop);
      }
      return true;
    });
    let total = runs.reduce((n, r) => n + r.events.length, 0);
    for (const r of runs) {
      if (total <= deps.max) break;
      const drop = Math.min(r.events.length, total - deps.max);
      if (!drop) continue;
      r.from = r.events[drop - 1]!.position;
      r.events = r.events.slice(drop);
      total -= drop;
    }
  }

  function readEnd(at: Position, size: number, seen: number): Promise<RecordedEvent[]> {
    const known = pending.get(at);
    if (known && known.startedAt >= seen) return known.read;
    const entry = { startedAt: deps.clock(), read: deps.read(at, size) };
    pending.set(at, entry);
    const done = () => pending.get(at) === entry && pending.delete(at);
    entry.read.then((got) => {
      done();
      extend(at, got);
    }, done);
    return entry.read;
  }

  return {
    async read(at, size, seen) {
      let run = runs.find((r) => holds(r, at));
      if (!run) {
        run = { from: at, events: [] };
        runs.push(run);
        runs.sort((a, b) => cmp(a.from, b.from));
      }
      const i = after(run, at);
      const have = run.events.slice(i, i + size);
      if (have.length === size) return have;
      const got = await readEnd(end(run), size, seen);
      return have.concat(got.slice(0, size - have.length));
    },
  };
}
