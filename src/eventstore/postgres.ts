import pg from 'pg';
import { Observable, Subject, interval, merge, map, share } from 'rxjs';
import { feedFromReads } from './feed';
import {
  START,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type Position,
  type RecordedEvent,
  type StreamAppend,
} from './types';

/**
 * The PostgreSQL event store (the default).
 *
 * Ordering of the global feed. A sequence number alone is not safe: two
 * transactions take positions 10 and 11, 11 commits first, a reader reads 11 and
 * moves its checkpoint past 10, which then commits and is never seen. Marten,
 * Eventuous and SQLStreamStore all shipped that bug. We use the transaction-id
 * watermark technique (as emmett does): each event stores `pg_current_xact_id()`
 * of the transaction that wrote it, the feed is ordered by (transaction_id,
 * global_position), and a reader only reads events whose transaction id is
 * below `pg_snapshot_xmin(pg_current_snapshot())` — the oldest transaction still
 * running. Everything below it has committed (or rolled back), so nothing can
 * appear later behind a reader's checkpoint. A position is "<xid>/<global_position>".
 *
 * Concurrency control. Each stream has a row in `streams` holding its revision.
 * An append creates missing rows, locks every touched row (in stream id order, to
 * avoid deadlocks between multi-stream appends), checks expected revisions, then
 * inserts the events. UNIQUE(stream_id, revision) and UNIQUE(event_id) back this
 * up in the schema.
 *
 * Idempotency. An append whose event ids are all stored already returns the
 * stored result and writes nothing; a partly stored append is a conflict.
 *
 * LISTEN/NOTIFY only wakes readers up; correctness never depends on it.
 */
const CHANNEL = 'roster_events';
const MAX_ATTEMPTS = 5;

interface Row {
  event_id: string;
  stream_id: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: EventData['metadata'];
  txid: string;
  global_position: number;
  recorded_at: Date;
}

const COLUMNS = `event_id, stream_id, revision, type, data, metadata, transaction_id::text as txid, global_position, recorded_at`;

function toRecorded(r: Row): RecordedEvent {
  return {
    id: r.event_id,
    streamId: r.stream_id,
    revision: r.revision,
    type: r.type,
    data: r.data,
    metadata: r.metadata,
    position: `${r.txid}/${r.global_position}`,
    recordedAt: r.recorded_at,
  };
}

function parsePosition(p: Position): [bigint, bigint] {
  if (p === START) return [0n, 0n];
  const m = /^(\d+)\/(\d+)$/.exec(p);
  if (!m) throw new Error(`Not a PostgreSQL event store position: ${p}`);
  return [BigInt(m[1]!), BigInt(m[2]!)];
}

function checkExpected(streamId: string, expected: ExpectedRevision, actual: number): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && actual === -1) ||
    (expected === 'stream_exists' && actual >= 0) ||
    (typeof expected === 'number' && expected === actual);
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, actual === -1 ? 'no_stream' : actual);
}

export interface PostgresEventStoreOptions {
  /** Fallback poll interval for readers when no notification arrives (ms). */
  readonly pollIntervalMs?: number;
}

export function createPostgresEventStore(pool: pg.Pool, options: PostgresEventStoreOptions = {}): EventStore {
  const notified = new Subject<void>();
  let listener: pg.PoolClient | undefined;
  let listening: Promise<void> | undefined;
  let closed = false;

  const listen = () =>
    (listening ??= (async () => {
      listener = await pool.connect();
      listener.on('notification', () => notified.next());
      listener.on('error', () => {
        listener = undefined;
        listening = undefined;
      });
      await listener.query(`listen ${CHANNEL}`);
    })().catch(() => {
      listening = undefined;
    }));

  const wakeups: Observable<void> = new Observable<void>((subscriber) => {
    void listen();
    return merge(notified, interval(options.pollIntervalMs ?? 1000).pipe(map(() => undefined))).subscribe(subscriber);
  }).pipe(share());

  async function appendOnce(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const results = new Map<number, AppendResult>();

      // 1. Idempotency: which of these event ids are stored already?
      const allIds = appends.flatMap((a) => a.events.map((e) => e.id));
      const storedRows = allIds.length
        ? (await client.query<{ event_id: string; stream_id: string; revision: number; txid: string; global_position: number }>(
            `select event_id, stream_id, revision, transaction_id::text as txid, global_position from events where event_id = any($1::uuid[])`,
            [allIds],
          )).rows
        : [];
      const stored = new Map(storedRows.map((r) => [r.event_id, r]));
      const toWrite: { index: number; append: StreamAppend }[] = [];
      appends.forEach((append, index) => {
        const found = append.events.map((e) => stored.get(e.id));
        const count = found.filter(Boolean).length;
        if (append.events.length > 0 && count === append.events.length) {
          const last = found.reduce((a, b) => (a!.global_position > b!.global_position ? a : b))!;
          results.set(index, { streamId: append.streamId, nextRevision: last.revision, position: `${last.txid}/${last.global_position}`, appended: false });
        } else if (count > 0) {
          throw new WrongExpectedRevisionError(append.streamId, append.expectedRevision, -2);
        } else {
          toWrite.push({ index, append });
        }
      });

      // 2. Lock every touched stream row, creating missing ones at revision -1 (empty).
      const streamIds = [...new Set(toWrite.map((w) => w.append.streamId))].sort();
      const revisions = new Map<string, number>();
      if (streamIds.length) {
        await client.query(
          `insert into streams (stream_id, revision) select s, -1 from unnest($1::text[]) s order by s on conflict (stream_id) do nothing`,
          [streamIds],
        );
        const locked = await client.query<{ stream_id: string; revision: number }>(
          `select stream_id, revision from streams where stream_id = any($1::text[]) order by stream_id for update`,
          [streamIds],
        );
        for (const r of locked.rows) revisions.set(r.stream_id, r.revision);
      }

      // 3. Check expected revisions and number the new events.
      const ids: string[] = [], sids: string[] = [], revs: number[] = [], types: string[] = [], datas: string[] = [], metas: string[] = [];
      for (const { append } of toWrite) {
        let rev = revisions.get(append.streamId)!;
        checkExpected(append.streamId, append.expectedRevision, rev);
        for (const e of append.events) {
          rev += 1;
          ids.push(e.id);
          sids.push(append.streamId);
          revs.push(rev);
          types.push(e.type);
          datas.push(JSON.stringify(e.data ?? null));
          metas.push(JSON.stringify(e.metadata));
        }
        revisions.set(append.streamId, rev);
      }

      // 4. Write events and new revisions.
      if (ids.length) {
        const written = await client.query<{ stream_id: string; txid: string; last_position: number }>(
          `with ins as (
             insert into events (event_id, stream_id, revision, type, data, metadata)
             select * from unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::text[]::jsonb[], $6::text[]::jsonb[])
             returning stream_id, transaction_id, global_position)
           select stream_id, transaction_id::text as txid, max(global_position) as last_position from ins group by stream_id, transaction_id`,
          [ids, sids, revs, types, datas, metas],
        );
        const touched = [...new Set(sids)];
        await client.query(
          `update streams s set revision = v.revision from unnest($1::text[], $2::bigint[]) as v(stream_id, revision) where s.stream_id = v.stream_id`,
          [touched, touched.map((s) => revisions.get(s)!)],
        );
        await client.query(`select pg_notify($1, '')`, [CHANNEL]);
        const positions = new Map(written.rows.map((r) => [r.stream_id, `${r.txid}/${r.last_position}`]));
        for (const { index, append } of toWrite) {
          results.set(index, {
            streamId: append.streamId,
            nextRevision: revisions.get(append.streamId)!,
            position: positions.get(append.streamId) ?? START,
            appended: append.events.length > 0,
          });
        }
      } else {
        for (const { index, append } of toWrite) {
          results.set(index, { streamId: append.streamId, nextRevision: revisions.get(append.streamId)!, position: START, appended: false });
        }
      }
      await client.query('commit');
      return appends.map((_, i) => results.get(i)!);
    } catch (err) {
      await client.query('rollback').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async function appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await appendOnce(appends);
      } catch (err) {
        const code = (err as { code?: string }).code;
        // 23505: a concurrent append stored the same event id (the retry sees it as stored);
        // 40P01: deadlock between multi-stream appends. Both are safe to retry.
        if ((code === '23505' || code === '40P01') && attempt < MAX_ATTEMPTS) continue;
        if (code === '23505') {
          const stream = appends[0]?.streamId ?? '?';
          throw new WrongExpectedRevisionError(stream, appends[0]?.expectedRevision ?? 'any', -2);
        }
        throw err;
      }
    }
  }

  const readAll = async (from: Position, limit: number): Promise<RecordedEvent[]> => {
    const [txid, gp] = parsePosition(from);
    const { rows } = await pool.query<Row>(
      `select ${COLUMNS} from events
       where (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
         and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       order by transaction_id, global_position
       limit $3`,
      [txid.toString(), gp.toString(), limit],
    );
    return rows.map(toRecorded);
  };

  return {
    kind: 'postgres',
    async appendToStream(streamId, events, expectedRevision) {
      const [result] = await appendToStreams([{ streamId, events, expectedRevision }]);
      return result!;
    },
    appendToStreams,
    async readStream(streamId, opts = {}) {
      const { rows } = await pool.query<Row>(
        `select ${COLUMNS} from events where stream_id = $1 and revision >= $2 order by revision`,
        [streamId, opts.fromRevision ?? 0],
      );
      return rows.map(toRecorded);
    },
    async readStreams(streamIds) {
      const out = new Map<string, RecordedEvent[]>(streamIds.map((s) => [s, []]));
      if (!streamIds.length) return out;
      const { rows } = await pool.query<Row>(
        `select ${COLUMNS} from events where stream_id = any($1::text[]) order by stream_id, revision`,
        [streamIds],
      );
      for (const r of rows) out.get(r.stream_id)!.push(toRecorded(r));
      return out;
    },
    readAll,
    subscribeToAll(from, opts = {}) {
      return feedFromReads(readAll, from, wakeups, opts.batchSize ?? 500);
    },
    wakeups,
    async headPosition() {
      // The newest committed event, even if an older transaction still holds it back from
      // readers: waiting until a reader reaches it means waiting until everything before it is read.
      const { rows } = await pool.query<{ txid: string; global_position: number }>(
        `select transaction_id::text as txid, global_position from events
         order by transaction_id desc, global_position desc limit 1`,
      );
      return rows[0] ? `${rows[0].txid}/${rows[0].global_position}` : START;
    },
    comparePositions(a, b) {
      const [at, ag] = parsePosition(a);
      const [bt, bg] = parsePosition(b);
      return at !== bt ? (at < bt ? -1 : 1) : ag === bg ? 0 : ag < bg ? -1 : 1;
    },
    async countAfter(position) {
      const [txid, gp] = parsePosition(position);
      const { rows } = await pool.query<{ n: number }>(
        `select count(*)::bigint as n from events where (transaction_id, global_position) > ($1::text::xid8, $2::bigint)`,
        [txid.toString(), gp.toString()],
      );
      return rows[0]!.n;
    },
    async stats() {
      const { rows } = await pool.query<{ events: number; streams: number }>(
        `select (select count(*) from events)::bigint as events, (select count(*) from streams where revision >= 0)::bigint as streams`,
      );
      return rows[0]!;
    },
    async close() {
      if (closed) return;
      closed = true;
      notified.complete();
      const l = listener;
      listener = undefined;
      if (l) {
        await l.query(`unlisten ${CHANNEL}`).catch(() => {});
        l.release();
      }
    },
  };
}
