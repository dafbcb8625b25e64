import { ErrorType, jsonEvent, type AppendExpectedRevision, type JSONType, type Position as EsdbPosition, type ResolvedEvent } from '@eventstore/db-client';
import { START, WrongExpectedRevisionError, type EventData, type EventMetadata, type ExpectedRevision, type Position, type RecordedEvent } from './types';

// Between the port (./types) and the EventStoreDB client: positions, expected revisions, errors, events. The adapter is esdb.ts.

// ─── Pure helpers (unit-tested in test/eventstore/esdb-positions.unit.test.ts) ───

/** The port's position of an EventStoreDB `$all` position. */
export function encodeEsdbPosition(p: EsdbPosition): Position {
  return `${p.commit}/${p.prepare}`;
}

/** The `$all` position of a port position; undefined for START. */
export function decodeEsdbPosition(p: Position): EsdbPosition | undefined {
  if (p === START) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(p);
  if (!m) throw new Error(`Not an EventStoreDB position: ${p}`);
  return { commit: BigInt(m[1]!), prepare: BigInt(m[2]!) };
}

export function compareEsdbPositions(a: Position, b: Position): number {
  const pa = decodeEsdbPosition(a);
  const pb = decodeEsdbPosition(b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : 0;
  if (pa.commit !== pb.commit) return pa.commit < pb.commit ? -1 : 1;
  return pa.prepare === pb.prepare ? 0 : pa.prepare < pb.prepare ? -1 : 1;
}

/** The client's expected revision for the port's. */
export function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'no_stream':
      return 'no_stream';
    case 'any':
      return 'any';
    case 'stream_exists':
      return 'stream_exists';
    default: {
      if (typeof expected !== 'number' || !Number.isSafeInteger(expected) || expected < 0) {
        throw new RangeError(`Invalid expected revision: ${String(expected)}`);
      }
      return BigInt(expected);
    }
  }
}

/**
 * The revision of the first event of an append at an exact expected revision
 * (`no_stream` counts as -1), or undefined when the expected revision does not
 * say where the events go.
 */
export function firstRevisionFor(expected: ExpectedRevision): number | undefined {
  if (expected === 'no_stream') return 0;
  if (typeof expected === 'number') return expected + 1;
  return undefined;
}

/**
 * The client (v6) parses only esdb:// and esdb+discover://; KurrentDB's
 * kurrentdb:// and kdb:// name the same gRPC protocol, so they are rewritten.
 */
export function toClientConnectionString(connectionString: string): string {
  return connectionString.replace(/^(?:kurrentdb|kdb)(\+discover)?:\/\//i, (_m, discover: string | undefined) => `esdb${discover ?? ''}://`);
}

export function isSystemEventType(type: string): boolean {
  return type.startsWith('$');
}

interface ErrorLike {
  readonly type?: unknown;
  readonly actualVersion?: unknown;
}

/** Map a client error to the port's conflict error, or undefined when it is not a conflict. */
export function toWrongExpectedRevision(err: unknown, streamId: string, expected: ExpectedRevision): WrongExpectedRevisionError | undefined {
  const e = err as ErrorLike | null;
  if (!e || typeof e !== 'object' || e.type !== ErrorType.WRONG_EXPECTED_VERSION) return undefined;
  const actual = e.actualVersion;
  return new WrongExpectedRevisionError(streamId, expected, typeof actual === 'bigint' ? Number(actual) : actual === 'no_stream' || actual === undefined ? 'no_stream' : Number(actual));
}

/** A failure after which the append may or may not have been committed. */
export function isAmbiguousAppendError(err: unknown): boolean {
  const t = (err as ErrorLike | null)?.type;
  return t === ErrorType.TIMEOUT || t === ErrorType.DEADLINE_EXCEEDED || t === ErrorType.UNAVAILABLE || t === ErrorType.CANCELLED || t === ErrorType.UNKNOWN || t === ErrorType.NOT_LEADER;
}

export function isStreamNotFound(err: unknown): boolean {
  return (err as ErrorLike | null)?.type === ErrorType.STREAM_NOT_FOUND;
}

/**
 * Where a stream's stored ids stand against an append's ids: all stored (the
 * append is a retry), none stored, or some (a different append: a conflict).
 */
export function matchStoredIds(storedIds: readonly string[], ids: readonly string[]): 'all' | 'none' | 'some' {
  if (ids.length === 0) return 'none';
  const stored = new Set(storedIds.map((s) => s.toLowerCase()));
  const found = ids.filter((id) => stored.has(id.toLowerCase())).length;
  return found === ids.length ? 'all' : found === 0 ? 'none' : 'some';
}

// ─── Conversion ───

type ClientRecorded = NonNullable<ResolvedEvent['event']>;

export function toRecorded(e: ClientRecorded): RecordedEvent {
  if (!e.position) throw new Error(`EventStoreDB returned no position for event ${e.id}; EventStoreDB 22.6 or later is required`);
  const data = e.isJson ? e.data : Buffer.from(e.data).toString('base64');
  return {
    id: e.id,
    streamId: e.streamId,
    revision: Number(e.revision),
    type: e.type,
    data,
    metadata: e.metadata as unknown as EventMetadata,
    position: encodeEsdbPosition(e.position),
    recordedAt: e.created,
  };
}

export function toClientEvent(e: EventData) {
  return jsonEvent({
    id: e.id,
    type: e.type,
    // The client JSON-encodes data; undefined would not survive the round trip.
    data: (e.data === undefined ? null : e.data) as JSONType,
    metadata: e.metadata as unknown as JSONType,
  });
}
