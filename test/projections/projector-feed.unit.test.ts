import { describe, expect, it } from 'vitest';
import { START, type Position, type RecordedEvent } from '../../src/eventstore/types';
import { createFeedWindow } from '../../src/projections/projector-feed';

/** A feed of events at positions "1/1", "1/2", …; `append` adds to it. Every store read is recorded. */
function fakeFeed(n: number) {
  const events: RecordedEvent[] = [];
  const append = (k: number) => {
    for (let i = 0; i < k; i++) {
      const g = events.length + 1;
      events.push({
        id: `e${g}`,
        streamId: 's',
        revision: g - 1,
        type: 'T',
        data: {},
        metadata: { actor: { type: 'system' }, source: 'system', occurredAt: '2026-12-01T00:00:00.000Z' },
        position: `1/${g}`,
        recordedAt: new Date(0),
      });
    }
  };
  append(n);
  const num = (p: Position) => (p === START ? 0 : Number(p.split('/')[1]));
  const reads: { from: Position; size: number }[] = [];
  const truth = (from: Position, size: number) => events.slice(num(from), num(from) + size);
  return {
    append,
    truth,
    reads,
    num,
    read: async (from: Position, size: number) => {
      reads.push({ from, size });
      return truth(from, size);
    },
    compare: (a: Position, b: Position) => num(a) - num(b),
  };
}

function windowOn(feed: ReturnType<typeof fakeFeed>, lanes: Position[], opts: { max?: number; clock?: () => number } = {}) {
  return createFeedWindow({ read: feed.read, compare: feed.compare, clock: opts.clock ?? (() => 0), lanes: () => lanes, max: opts.max ?? 1000 });
}

describe('the lanes’ feed window', () => {
  it('reads the store once for lanes at different positions: a lane behind the end takes its batch from memory', async () => {
    const feed = fakeFeed(50);
    const lanes: Position[] = [START, START];
    const w = windowOn(feed, lanes);
    expect(await w.read(START, 10, 0)).toEqual(feed.truth(START, 10));
    lanes[0] = '1/10';
    expect(await w.read('1/10', 10, 0)).toEqual(feed.truth('1/10', 10));
    lanes[0] = '1/20';
    // The second lane is ten events behind: both batches it asks for are in the window already.
    expect(await w.read(START, 10, 0)).toEqual(feed.truth(START, 10));
    lanes[1] = '1/10';
    expect(await w.read('1/10', 10, 0)).toEqual(feed.truth('1/10', 10));
    expect(feed.reads).toEqual([
      { from: START, size: 10 },
      { from: '1/10', size: 10 },
    ]);
  });

  it('serves a lane part of its batch from memory and the rest from one read at the window’s end', async () => {
    const feed = fakeFeed(30);
    const lanes: Position[] = [START, START];
    const w = windowOn(feed, lanes);
    await w.read(START, 10, 0);
    lanes[0] = '1/10';
    expect(await w.read('1/5', 10, 0)).toEqual(feed.truth('1/5', 10));
    expect(feed.reads.at(-1)).toEqual({ from: '1/10', size: 10 });
  });

  it('shares a read under way only with lanes whose wake-up it began after', async () => {
    const feed = fakeFeed(0);
    let clock = 1;
    const lanes: Position[] = [START, START, START];
    const w = windowOn(feed, lanes, { clock: () => clock });
    const first = w.read(START, 10, 1);
    const sameWakeUp = w.read(START, 10, 1);
    // An event announced by wake-up 2 may have committed after the first read began: a lane woken by it reads again.
    feed.append(1);
    clock = 2;
    const later = w.read(START, 10, 2);
    expect(await first).toEqual([]);
    expect(await sameWakeUp).toEqual([]);
    expect(await later).toEqual(feed.truth(START, 10));
    expect(feed.reads).toHaveLength(2);
  });

  it('keeps at most `max` events: a lane behind what was dropped reads on its own, then joins the window again', async () => {
    const feed = fakeFeed(100);
    const lanes: Position[] = [START, START];
    const w = windowOn(feed, lanes, { max: 20 });
    for (let p = 0; p < 60; p += 10) {
      lanes[0] = p ? `1/${p}` : START;
      expect(await w.read(lanes[0], 10, 0)).toEqual(feed.truth(lanes[0], 10));
    }
    const before = feed.reads.length;
    expect(await w.read(START, 10, 0)).toEqual(feed.truth(START, 10));
    expect(feed.reads.length).toBe(before + 1);
    lanes[1] = '1/10';
    // From 1/10 the slow lane reads on until its run reaches the fast lane's, which is in memory from there.
    for (let p = 10; p < 60; p += 10) {
      lanes[1] = `1/${p}`;
      expect(await w.read(lanes[1], 10, 0)).toEqual(feed.truth(lanes[1], 10));
    }
    expect(feed.reads.length).toBeLessThan(before + 6);
  });

  it('answers every read as the store would, whatever the lanes’ pace and the reads’ timing (seeded random walk)', async () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed >>> 12) % n;
    };
    const feed = fakeFeed(0);
    // Store reads answer as the store was when they began, but come back in any order, later.
    const held: (() => void)[] = [];
    const read = (from: Position, size: number) => {
      const answer = feed.truth(from, size);
      feed.reads.push({ from, size });
      return new Promise<RecordedEvent[]>((resolve) => held.push(() => resolve(answer)));
    };
    let clock = 0;
    const lanes: Position[] = [START, START, START];
    const w = createFeedWindow({ read, compare: feed.compare, clock: () => clock, lanes: () => lanes, max: 25 });
    const size = 10;
    const busy = new Set<number>();
    let laneReads = 0;
    const checks: Promise<void>[] = [];
    for (let step = 0; step < 3000; step++) {
      if (rand(2) === 0) {
        feed.append(rand(12));
        clock++;
      }
      const lane = rand(3);
      if (!busy.has(lane)) {
        busy.add(lane);
        laneReads++;
        const from = lanes[lane]!;
        const before = feed.truth(from, size);
        checks.push(
          w.read(from, size, clock).then((got) => {
            // A prefix of the feed after the lane's position, holding at least what was there when the lane asked.
            expect(got).toEqual(feed.truth(from, size).slice(0, got.length));
            expect(got.length).toBeGreaterThanOrEqual(before.length);
            if (got.length) lanes[lane] = got[rand(got.length)]!.position;
            busy.delete(lane);
          }),
        );
      }
      if (held.length && rand(3) === 0) held.splice(rand(held.length), 1)[0]!();
      await Promise.resolve();
    }
    while (held.length) held.shift()!();
    await Promise.all(checks);
    expect(feed.reads.length).toBeLessThan(laneReads);
  });
});
