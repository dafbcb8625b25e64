import pg from 'pg';
import { Observable, Subject, interval, merge, map, share } from 'rxjs';
import { feedFromReads } from './feed';
import { jsonOf } from './serialized';
import {
  START,
  UniqueValueTakenError,
  WrongExpectedRevisionError,
  uniqueKey,
  type UniqueChange,
  type AppendResult,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type Position,
  type RecordedEvent,
  type StreamAppend,
  type StreamHead,
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
 * up in the schema. All of it runs server-side in one statement, the function
 * roster_append (sql/append.sql): one round trip per append, whatever its size.
 *
 * Uniqueness. An append's claims and releases of unique values (emails, role
 * keys…) are rows of `unique_constraints`, written in the append's own
 * transaction (ZITADEL's unique_constraints): a claim on a value held by another
 * owner fails the whole append with UniqueValueTakenError.
 *
 * Idempotency. An append whose event ids are all stored already returns the
 * stored result and writes nothing; a partly stored append is a conflict.
 *
 * LISTEN/NOTIFY only wakes readers up; correctness never depends on it.
 *
 * The statements of every command (append, stream and feed reads) are named
 * prepared statements: each connection parses and plans them once, not on every
 * call. (Behind PgBouncer in transaction mode this needs PgBouncer 1.21+ with
 * max_prepared_statements set.)
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

/** The function's encoding of an expected revision: >= 0 exact, -1 no_stream, -2 any, -3 stream_exists. */
function toExpected(e: ExpectedRevision): number {
  return e === 'no_stream' ? -1 : e === 'any' ? -2 : e === 'stream_exists' ? -3 : e;
}

function fromExpected(n: number): ExpectedRevision {
  return n === -1 ? 'no_stream' : n === -2 ? 'any' : n === -3 ? 'stream_exists' : n;
}

/**
 * Event data and metadata travel as one JSON array each, not as text[]: the driver
 * escapes every quote of every element of a text[] (JSON is full of them), while a
 * JSON array is the events' JSON texts joined with commas.
 */
const jsonArray = (param: string) => `array(select e from jsonb_array_elements(${param}::jsonb) with ordinality as t(e, n) order by n)`;
const joinJson = (texts: readonly string[]) => `[${texts.join(',')}]`;

const APPEND_SQL = `select append_index, next_revision::text, txid, last_position::text, appended
  from roster_append($1::text[], $2::bigint[], $3::int[], $4::int[], $5::uuid[], $6::text[], ${jsonArray('$7')}, ${jsonArray('$8')},
                     $9::int[], $10::text[], $11::text[], $12::text[], $13::text[])`;

const READ_ALL_SQL = `select ${COLUMNS} from events
  where (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
    and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  order by transaction_id, global_position
  limit $3`;
const READ_STREAM_SQL = `select ${COLUMNS} from events where stream_id = $1 and revision >= $2 order by revision`;
const READ_STREAMS_SQL = `select ${COLUMNS} from events where stream_id = any($1::text[]) order by stream_id, revision`;

/**
 * The columns of roster_append (src/eventstore/sql/append.sql). Unique changes are
 * reduced to their net effect in call order: releases run before claims, so a
 * release followed by a claim claims; a claim then a release by the same owner
 * releases.
 */
function appendArguments(appends: readonly StreamAppend[]): unknown[] {
  const streamIds: string[] = [],
    expected: number[] = [],
    counts: number[] = [];
  const eventAppend: number[] = [],
    ids: string[] = [],
    types: string[] = [],
    datas: string[] = [],
    metas: string[] = [];
  const claims = new Map<string, { ai: number; change: UniqueChange }>();
  const releases = new Map<string, { ai: number; change: UniqueChange }>();
  appends.forEach((a, i) => {
    streamIds.push(a.streamId);
    expected.push(toExpected(a.expectedRevision));
    counts.push(a.events.length);
    for (const e of a.events) {
      eventAppend.push(i + 1);
      ids.push(e.id);
      types.push(e.type);
      datas.push(jsonOf(e.data));
      metas.push(JSON.stringify(e.metadata));
    }
    if (a.events.length === 0) return;
    for (const change of a.uniques ?? []) {
      const key = uniqueKey(change.kind, change.value);
      if (change.action === 'claim') {
        const before = claims.get(key);
        // Two owners claiming one value in one call: the later claim loses, as it would in two appends.
        if (before && before.change.ownerId !== change.ownerId) throw new UniqueValueTakenError(change.kind, change.value, before.change.ownerId);
        claims.set(key, { ai: i + 1, change });
      } else {
        if (claims.get(key)?.change.ownerId === change.ownerId) claims.delete(key);
        releases.set(`${key}\u0000${change.ownerId}`, { ai: i + 1, change });
      }
    }
  });
  const u = [...releases.values(), ...claims.values()];
  return [
    streamIds,
    expected,
    counts,
    eventAppend,
    ids,
    types,
    joinJson(datas),
    joinJson(metas),
    u.map((x) => x.ai),
    u.map((x) => x.change.action),
    u.map((x) => x.change.kind),
    u.map((x) => x.change.value),
    u.map((x) => x.change.ownerId),
  ];
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

  async function appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const args = appendArguments(appends);
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await pool.query<{ append_index: number; next_revision: string; txid: string | null; last_position: string | null; appended: boolean }>({
          name: 'roster_append',
          text: APPEND_SQL,
          values: args,
        });
        const results = new Array<AppendResult>(appends.length);
        for (const r of rows) {
          const i = r.append_index - 1;
          results[i] = {
            streamId: appends[i]!.streamId,
            nextRevision: Number(r.next_revision),
            position: r.txid !== null && r.last_position !== null ? `${r.txid}/${r.last_position}` : START,
            appended: r.appended,
          };
        }
        return results;
      } catch (err) {
        const e = err as { code?: string; message?: string; detail?: string; hint?: string };
        if (e.code === 'RS001') {
          const [expected, actual] = (e.detail ?? '').split('/').map(Number);
          throw new WrongExpectedRevisionError(e.message ?? '?', fromExpected(expected!), actual === -1 ? 'no_stream' : actual!);
        }
        if (e.code === 'RS002') throw new UniqueValueTakenError(e.message ?? '?', e.hint ?? '', e.detail ?? '');
        // 23505: a concurrent append stored the same event id (the retry sees it as stored);
        // 40P01: deadlock between multi-stream appends. Both are safe to retry.
        if ((e.code === '23505' || e.code === '40P01') && attempt < MAX_ATTEMPTS) continue;
        if (e.code === '23505') {
          const stream = appends[0]?.streamId ?? '?';
          throw new WrongExpectedRevisionError(stream, appends[0]?.expectedRevision ?? 'any', -2);
        }
        throw err;
      }
    }
  }

  const readAll = async (from: Position, limit: number): Promise<RecordedEvent[]> => {
    const [txid, gp] = parsePosition(from);
    const { rows } = await pool.query<Row>({ name: 'roster_read_all', text: READ_ALL_SQL, values: [txid.toString(), gp.toString(), limit] });
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
      const { rows } = await pool.query<Row>({ name: 'roster_read_stream', text: READ_STREAM_SQL, values: [streamId, opts.fromRevision ?? 0] });
      return rows.map(toRecorded);
    },
    async readStreams(streamIds) {
      const out = new Map<string, RecordedEvent[]>(streamIds.map((s) => [s, []]));
      if (!streamIds.length) return out;
      const { rows } = await pool.query<Row>({ name: 'roster_read_streams', text: READ_STREAMS_SQL, values: [streamIds] });
      for (const r of rows) out.get(r.stream_id)!.push(toRecorded(r));
      return out;
    },
    async readStreamHeads(streamIds) {
      const out = new Map<string, StreamHead>();
      if (!streamIds.length) return out;
      // The stream's row holds its revision: one primary-key lookup and one (stream_id, revision) lookup per stream.
      const { rows } = await pool.query<{ stream_id: string; revision: number; fingerprint: string | null }>(
        `select e.stream_id, e.revision, e.metadata->'import'->>'fingerprint' as fingerprint
         from streams s join events e on e.stream_id = s.stream_id and e.revision = s.revision
         where s.stream_id = any($1::text[])`,
        [streamIds],
      );
      for (const r of rows) out.set(r.stream_id, { revision: r.revision, importFingerprint: r.fingerprint });
      return out;
    },
    async uniqueOwners(keys) {
      const out = new Map<string, string>();
      if (!keys.length) return out;
      const { rows } = await pool.query<{ kind: string; value: string; owner_id: string }>(
        // LATERAL with LIMIT 1 (so it is not flattened into a join): one primary-key lookup per
        // value. A plain join let the planner hash the whole table for a batch's few thousand
        // values (150 ms a batch at 50,000 users, and growing with the table).
        `select u.kind, u.value, u.owner_id from unnest($1::text[], $2::text[]) as k(kind, value)
         cross join lateral (select c.kind, c.value, c.owner_id from unique_constraints c where c.kind = k.kind and c.value = k.value limit 1) u`,
        [keys.map((k) => k.kind), keys.map((k) => k.value)],
      );
      for (const r of rows) out.set(uniqueKey(r.kind, r.value), r.owner_id);
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
      const { rows } = await pool.query<{ n: number }>(`select count(*)::bigint as n from events where (transaction_id, global_position) > ($1::text::xid8, $2::bigint)`, [
        txid.toString(),
        gp.toString(),
      ]);
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
