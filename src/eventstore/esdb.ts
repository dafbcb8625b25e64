import { BACKWARDS, END, EventStoreDBClient, excludeSystemEvents, type AllStreamResolvedEvent, type Position as EsdbPosition } from '@eventstore/db-client';
import { Observable, Subject, interval, map, merge, share, takeUntil } from 'rxjs';
import { decideReservation, evolveReservation, reservationDecider } from '../domain/reservation/decider';
import type { ReservationEvent, ReservationKind } from '../domain/reservation/events';
import { streams } from '../domain/streams';
import {
  compareEsdbPositions,
  encodeEsdbPosition,
  firstRevisionFor,
  isAmbiguousAppendError,
  isSystemEventType,
  matchStoredIds,
  toClientConnectionString,
  toClientEvent,
  toEsdbExpectedRevision,
  toWrongExpectedRevision,
} from './esdb-mapping';
import { esdbReads } from './esdb-reads';
import { feedFromReads } from './feed';
import { deterministicUuid } from './ids';
import { START, UniqueValueTakenError, WrongExpectedRevisionError, uniqueKey, type AppendResult, type EventStore, type RecordedEvent, type StreamAppend, type StreamHead } from './types';

/**
 * The EventStoreDB (KurrentDB) event store, over @eventstore/db-client (gRPC).
 *
 * Positions. The port's opaque position is "<commit>/<prepare>" of the event in
 * `$all`; START is before every event. Positions compare by commit, then prepare.
 *
 * Idempotency. EventStoreDB deduplicates event ids reliably only when the append
 * carries an exact expected revision, and it answers an idempotent write with a
 * plain success, indistinguishable from a fresh one. So before each append we read
 * the stream where the events would go (for an exact revision or `no_stream`: the
 * n events after the expected revision; for `any`/`stream_exists`: the stream's
 * last n events). If every id is already there, nothing is written and the stored
 * revision and position come back with `appended: false`. A concurrent writer that
 * stores the very same ids between that read and our append makes the server
 * treat our append as idempotent too; we then report `appended: true` (the events
 * are stored exactly once either way).
 *
 * The position in an AppendResult is the `$all` position of the stream's last
 * event, read back after the append: the server's own append answer is not the
 * position of the last event for multi-event writes, and a deduplicated retry must
 * answer with the same position as the original append.
 *
 * Ambiguous failures (timeout, deadline, unavailable, cancelled, unknown): the
 * write may or may not have been committed. We read the stream back; if the ids
 * are stored we report success, otherwise we retry (bounded) with the same
 * expected revision.
 *
 * appendToStreams is NOT atomic: EventStoreDB has no multi-stream transaction, so
 * it appends stream by stream, in order. If one append fails, the earlier ones
 * stay written; a retry of the whole call is safe because each append is
 * idempotent by event id (see above).
 *
 * Uniqueness. EventStoreDB has no shared transactions, so the claims and releases
 * of an append (StreamAppend.uniques) are reservation streams (`email-<value>`…)
 * appended before the append's own events, each with its exact expected revision:
 * two concurrent claims cannot both win. A failure after a claim leaves at most an
 * orphan claim owned by an aggregate that was never written.
 *
 * The global feed excludes system events (types starting with `$`, such as
 * `$metadata` and the `$statsCollected` events the server writes on its own).
 */

export interface EsdbEventStoreOptions {
  /** Fallback poll interval for readers when the live wake-up subscription misses a write (ms). */
  readonly pollIntervalMs?: number;
  /** Concurrent stream reads in readStreams. */
  readonly readConcurrency?: number;
  /** Attempts of one append after ambiguous failures. */
  readonly maxAppendAttempts?: number;
}

// ─── The adapter ───

export function createEsdbEventStore(connectionString: string, options: EsdbEventStoreOptions = {}): EventStore {
  const client = EventStoreDBClient.connectionString(toClientConnectionString(connectionString));
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const readConcurrency = options.readConcurrency ?? 16;
  const maxAppendAttempts = options.maxAppendAttempts ?? 3;
  const closed = new Subject<void>();
  let isClosed = false;
  const { readStream, readSlice, readTail, readAll, scanForward } = esdbReads(client);

  /** `read` of every stream, `readConcurrency` streams at a time. */
  async function eachStream<T>(streamIds: readonly string[], read: (streamId: string) => Promise<T>): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    const queue = [...new Set(streamIds)];
    const worker = async () => {
      for (let s = queue.shift(); s !== undefined; s = queue.shift()) out.set(s, await read(s));
    };
    await Promise.all(Array.from({ length: Math.min(readConcurrency, queue.length) }, worker));
    return out;
  }

  /** The stored events where this append's events would be (see "Idempotency" above). */
  function readWhereAppendGoes(append: StreamAppend): Promise<RecordedEvent[]> {
    const first = firstRevisionFor(append.expectedRevision);
    const n = append.events.length;
    return first === undefined ? readTail(append.streamId, n) : readSlice(append.streamId, first, n);
  }

  /** The result of an append whose events are all stored already. */
  function storedResult(streamId: string, stored: readonly RecordedEvent[], ids: readonly string[], appended: boolean): AppendResult {
    const wanted = new Set(ids.map((id) => id.toLowerCase()));
    const mine = stored.filter((e) => wanted.has(e.id.toLowerCase()));
    const last = mine[mine.length - 1]!;
    return { streamId, nextRevision: last.revision, position: last.position, appended };
  }

  /** The reservation-stream appends of an append's unique changes (claims first, see the top of this file). */
  async function claimReservations(append: StreamAppend): Promise<void> {
    if (!append.uniques?.length || !append.events.length) return;
    const metadata = append.events[0]!.metadata;
    const ordered = [...append.uniques].sort((a, b) => (a.action === b.action ? 0 : a.action === 'claim' ? -1 : 1));
    for (const change of ordered) {
      const streamId = streams.reservation(change.kind as ReservationKind, change.value);
      const recorded = await readStream(streamId);
      let state = reservationDecider.initialState();
      for (const e of recorded) state = evolveReservation(state, e as unknown as ReservationEvent);
      let events: ReservationEvent[];
      try {
        events =
          change.action === 'claim'
            ? decideReservation({ type: 'ClaimReservation', data: { kind: change.kind as ReservationKind, value: change.value, ownerId: change.ownerId } }, state)
            : decideReservation({ type: 'ReleaseReservation', data: { ownerId: change.ownerId } }, state);
      } catch {
        throw new UniqueValueTakenError(change.kind, change.value, state.status === 'reserved' ? state.ownerId : '');
      }
      if (!events.length) continue;
      const next = recorded.length;
      await appendOne({
        streamId,
        expectedRevision: next === 0 ? 'no_stream' : next - 1,
        events: events.map((e, i) => ({ id: deterministicUuid(streamId, String(next + i), e.type, JSON.stringify(e.data)), type: e.type, data: e.data, metadata })),
      });
    }
  }

  async function appendOne(append: StreamAppend): Promise<AppendResult> {
    const { streamId, events, expectedRevision } = append;
    const ids = events.map((e) => e.id);
    const expected = toEsdbExpectedRevision(expectedRevision);

    if (events.length === 0) {
      const tail = await readTail(streamId, 1);
      const last = tail[0];
      return { streamId, nextRevision: last?.revision ?? -1, position: last?.position ?? START, appended: false };
    }

    // 1. A retry of an append that is stored already writes nothing.
    const before = await readWhereAppendGoes(append);
    const match = matchStoredIds(
      before.map((e) => e.id),
      ids,
    );
    switch (match) {
      case 'all':
        return storedResult(streamId, before, ids, false);
      case 'some': {
        const tail = await readTail(streamId, 1);
        throw new WrongExpectedRevisionError(streamId, expectedRevision, tail[0]?.revision ?? 'no_stream');
      }
      case 'none':
        break;
      default: {
        const unreachable: never = match;
        throw new Error(`unreachable: ${String(unreachable)}`);
      }
    }

    // 2. Append; on an ambiguous failure, look before retrying.
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await client.appendToStream(streamId, events.map(toClientEvent), { expectedRevision: expected });
        const nextRevision = Number(result.nextExpectedRevision);
        const last = await readSlice(streamId, nextRevision, 1);
        const position = last[0]?.position ?? (result.position ? encodeEsdbPosition(result.position) : START);
        return { streamId, nextRevision, position, appended: true };
      } catch (err) {
        const conflict = toWrongExpectedRevision(err, streamId, expectedRevision);
        if (conflict) throw conflict;
        if (!isAmbiguousAppendError(err)) throw err;
        const after = await readWhereAppendGoes(append).catch(() => undefined);
        if (
          after &&
          matchStoredIds(
            after.map((e) => e.id),
            ids,
          ) === 'all'
        )
          return storedResult(streamId, after, ids, true);
        if (attempt >= maxAppendAttempts) throw err;
      }
    }
  }

  // A live subscription to $all (from its end) only signals that something new may
  // be readable; the feed itself is read with readAll, so ordering and resumption
  // have one implementation. The poll interval covers a write that lands before
  // the live subscription is confirmed.
  const live = new Observable<void>((subscriber) => {
    const sub = client.subscribeToAll({ fromPosition: END, filter: excludeSystemEvents() });
    sub.on('data', () => subscriber.next());
    sub.on('error', () => {
      /* the poll below keeps readers going; the subscription is re-created on the next subscribe */
    });
    return () => void sub.unsubscribe().catch(() => {});
  });
  const wakeups: Observable<void> = merge(live, interval(pollIntervalMs).pipe(map(() => undefined))).pipe(takeUntil(closed), share());

  return {
    kind: 'eventstoredb',
    async appendToStream(streamId, events, expectedRevision) {
      return appendOne({ streamId, events, expectedRevision });
    },
    async appendToStreams(appends) {
      // Sequential and not atomic: see the comment at the top of this file.
      const results: AppendResult[] = [];
      for (const append of appends) {
        await claimReservations(append);
        results.push(await appendOne(append));
      }
      return results;
    },
    async uniqueOwners(keys) {
      const out = new Map<string, string>();
      for (const k of keys) {
        let state = reservationDecider.initialState();
        for (const e of await readStream(streams.reservation(k.kind as ReservationKind, k.value))) state = evolveReservation(state, e as unknown as ReservationEvent);
        if (state.status === 'reserved') out.set(uniqueKey(k.kind, k.value), state.ownerId);
      }
      return out;
    },
    readStream,
    readStreams: (streamIds) => eachStream(streamIds, readStream),
    async readStreamHeads(streamIds) {
      const tails = await eachStream(streamIds, (s) => readTail(s, 1));
      const out = new Map<string, StreamHead>();
      for (const [s, [last]] of tails) if (last) out.set(s, { revision: last.revision, importFingerprint: last.metadata.import?.fingerprint ?? null });
      return out;
    },
    readAll,
    subscribeToAll(from, opts = {}) {
      return feedFromReads(readAll, from, wakeups, opts.batchSize ?? 500);
    },
    wakeups,
    async headPosition() {
      let cursor: EsdbPosition | undefined;
      for (;;) {
        let seen = 0;
        let lastPos: EsdbPosition | undefined;
        for await (const r of client.readAll({ fromPosition: cursor ?? END, maxCount: 200, direction: BACKWARDS }) as AsyncIterable<AllStreamResolvedEvent>) {
          seen++;
          const e = r.event;
          if (!e) continue;
          lastPos = e.position;
          if (!isSystemEventType(e.type)) return encodeEsdbPosition(e.position);
        }
        if (seen < 200 || !lastPos) return START;
        if (cursor && lastPos.commit === cursor.commit && lastPos.prepare === cursor.prepare) return START;
        cursor = lastPos;
      }
    },
    comparePositions: compareEsdbPositions,
    async countAfter(position) {
      // Reads the feed forward: cheap for projection lag, linear in the lag.
      let n = 0;
      await scanForward(() => n++, position);
      return n;
    },
    async stats() {
      // Exact, by a full scan of $all (EventStoreDB keeps no cheap counters of
      // non-system events): linear in the store's size, fine for `roster stats`.
      let events = 0;
      const streams = new Set<string>();
      await scanForward((e) => {
        events++;
        streams.add(e.streamId);
      });
      return { events, streams: streams.size };
    },
    async close() {
      if (isClosed) return;
      isClosed = true;
      closed.next();
      closed.complete();
      await client.dispose();
    },
  };
}
