import { BACKWARDS, END, FORWARDS, START as ESDB_START, type AllStreamResolvedEvent, type EventStoreDBClient, type Position as EsdbPosition } from '@eventstore/db-client';
import { decodeEsdbPosition, isStreamNotFound, isSystemEventType, toRecorded } from './esdb-mapping';
import { START, type Position, type RecordedEvent } from './types';

/** The EventStoreDB adapter's reads (esdb.ts): one stream, a slice or the tail of one, and `$all` forward without system events. */
export function esdbReads(client: EventStoreDBClient) {
  async function readStream(streamId: string, opts: { fromRevision?: number } = {}): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    try {
      for await (const r of client.readStream(streamId, { fromRevision: BigInt(opts.fromRevision ?? 0), direction: FORWARDS })) {
        if (r.event) out.push(toRecorded(r.event));
      }
    } catch (err) {
      if (isStreamNotFound(err)) return [];
      throw err;
    }
    return out;
  }

  /** Up to `count` events of a stream from a revision (forwards), [] when missing. */
  async function readSlice(streamId: string, fromRevision: number, count: number): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    try {
      for await (const r of client.readStream(streamId, { fromRevision: BigInt(fromRevision), maxCount: count, direction: FORWARDS })) {
        if (r.event) out.push(toRecorded(r.event));
      }
    } catch (err) {
      if (isStreamNotFound(err)) return [];
      throw err;
    }
    return out;
  }

  /** The last `count` events of a stream, oldest first; [] when missing. */
  async function readTail(streamId: string, count: number): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    try {
      for await (const r of client.readStream(streamId, { fromRevision: END, maxCount: count, direction: BACKWARDS })) {
        if (r.event) out.push(toRecorded(r.event));
      }
    } catch (err) {
      if (isStreamNotFound(err)) return [];
      throw err;
    }
    return out.reverse();
  }

  /** Up to `limit` non-system events strictly after `from`, in `$all` order. */
  async function readAll(from: Position, limit: number): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    let cursor = decodeEsdbPosition(from);
    // `fromPosition` is inclusive; the event at `from` itself is skipped below.
    while (out.length < limit) {
      const page = limit - out.length + 1;
      let seen = 0;
      let lastPos: EsdbPosition | undefined;
      const reading = client.readAll({ fromPosition: cursor ?? ESDB_START, maxCount: page, direction: FORWARDS });
      for await (const r of reading as AsyncIterable<AllStreamResolvedEvent>) {
        seen++;
        const e = r.event;
        if (!e) continue;
        lastPos = e.position;
        if (cursor && e.position.commit === cursor.commit && e.position.prepare === cursor.prepare) continue;
        if (isSystemEventType(e.type)) continue;
        if (out.length < limit) out.push(toRecorded(e));
      }
      if (seen < page || !lastPos) break;
      if (cursor && lastPos.commit === cursor.commit && lastPos.prepare === cursor.prepare) break;
      cursor = lastPos;
    }
    return out;
  }

  async function scanForward(visit: (e: RecordedEvent) => void, from: Position = START): Promise<void> {
    let position = from;
    for (;;) {
      const batch = await readAll(position, 1000);
      for (const e of batch) visit(e);
      if (batch.length < 1000) return;
      position = batch[batch.length - 1]!.position;
    }
  }

  return { readStream, readSlice, readTail, readAll, scanForward };
}
