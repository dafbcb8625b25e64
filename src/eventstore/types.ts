import type { Observable } from 'rxjs';

/**
 * The EventStore port. Two adapters implement it (PostgreSQL, EventStoreDB) and
 * both pass the contract suite in test/eventstore.
 */

/** Where a stream must be for an append to go through. */
export type ExpectedRevision = 'no_stream' | 'any' | 'stream_exists' | number;

/**
 * An opaque, store-specific position in the global feed. Compare positions only
 * with `EventStore.comparePositions`. `START` is before every event.
 */
export type Position = string;
export const START: Position = 'start';

export type ActorType = 'admin' | 'api_client' | 'operator' | 'user' | 'import' | 'system';
export type Source = 'admin' | 'api' | 'import' | 'self' | 'system';

/** Stamped once, centrally, on every event (see src/commands/context.ts). */
export interface EventMetadata {
  readonly actor: { readonly type: ActorType; readonly id?: string };
  readonly source: Source;
  /** ISO 8601; the time the command was issued. */
  readonly occurredAt: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly ip?: string;
  readonly userAgent?: string;
  readonly application?: string;
  readonly location?: string;
  /** Provenance of imported events. */
  readonly import?: {
    readonly id: string;
    readonly format: string;
    readonly checksum: string;
    readonly fileName?: string;
    readonly lines: readonly number[];
    /**
     * The import's inputs for this user (its rows, resolved, and the mode) when deciding them
     * again on the state these events leave would change nothing: a re-import that finds the
     * same fingerprint on the user's newest event skips deciding (src/commands/import/fingerprint.ts).
     */
    readonly fingerprint?: string;
  };
}

export interface EventData<Type extends string = string, Data = unknown> {
  /** A UUID. Deterministic where the command is (see ids.ts), so retries deduplicate. */
  readonly id: string;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
}

export interface RecordedEvent<Type extends string = string, Data = unknown> extends EventData<Type, Data> {
  readonly streamId: string;
  /** 0-based revision of the event within its stream. */
  readonly revision: number;
  readonly position: Position;
  readonly recordedAt: Date;
}

/**
 * A unique value an append claims or releases (an email, a role key…), already
 * normalized. Claims and releases commit with the append's events or not at all:
 * on PostgreSQL as constraint rows in the same transaction (ZITADEL's
 * unique_constraints), on EventStoreDB as reservation streams.
 */
export interface UniqueChange {
  readonly action: 'claim' | 'release';
  readonly kind: string;
  readonly value: string;
  /** The owning aggregate's id. Claiming what you own, or releasing what you do not, changes nothing. */
  readonly ownerId: string;
}

export interface UniqueKey {
  readonly kind: string;
  readonly value: string;
}

/** The map key of a unique value in `uniqueOwners`' answer. */
export const uniqueKey = (kind: string, value: string): string => `${kind}\u0000${value}`;

export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly EventData[];
  readonly expectedRevision: ExpectedRevision;
  /** Unique values claimed or released together with these events (never when `events` is empty). */
  readonly uniques?: readonly UniqueChange[];
}

export interface AppendResult {
  readonly streamId: string;
  /** Revision of the stream's last event after the append (-1: the stream is empty). */
  readonly nextRevision: number;
  /** Position of the last event written (or already stored, on a deduplicated retry). */
  readonly position: Position;
  /** false when every event was already stored (an idempotent retry). */
  readonly appended: boolean;
}

/** The newest event of a stream: enough to tell that nothing happened to it since an import stamped it. */
export interface StreamHead {
  readonly revision: number;
  /** Its `metadata.import.fingerprint`; null when it has none. */
  readonly importFingerprint: string | null;
}

export interface StoreStats {
  readonly events: number;
  readonly streams: number;
}

export interface EventStore {
  readonly kind: 'postgres' | 'eventstoredb';
  /** Append to one stream; a revision mismatch throws WrongExpectedRevisionError. */
  appendToStream(streamId: string, events: readonly EventData[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  /**
   * Append to many streams in one call, each with its own expected revision, for
   * bulk work. PostgreSQL: one transaction, all or nothing. EventStoreDB: one
   * append per stream (idempotent by event id, so a retry after a failure is safe).
   */
  appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  /** Every event of a stream, in order; [] when the stream does not exist. */
  readStream(streamId: string, options?: { fromRevision?: number }): Promise<RecordedEvent[]>;
  /** Many streams at once (bulk import): stream id -> its events in order; missing streams map to []. */
  readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>>;
  /**
   * The newest event of each stream, as its revision and import fingerprint only (a re-import
   * tells from it that a user has not changed since it was imported, without reading the
   * stream or decoding any event's data or metadata). Missing streams are absent.
   */
  readStreamHeads(streamIds: readonly string[]): Promise<Map<string, StreamHead>>;
  /** Current owners of unique values: `uniqueKey(kind, value)` -> owner id; free values are absent. */
  uniqueOwners(keys: readonly UniqueKey[]): Promise<Map<string, string>>;
  /** Up to `limit` events after `from` in global order. */
  readAll(from: Position, limit: number): Promise<RecordedEvent[]>;
  /** Catch up from `from`, then follow live. Completes only when unsubscribed or closed. */
  subscribeToAll(from: Position, options?: { batchSize?: number }): Observable<RecordedEvent>;
  /** A signal that new events may be readable (LISTEN/NOTIFY or a live subscription). */
  readonly wakeups: Observable<void>;
  /** Position of the newest committed event (START when empty); readers reach it once everything before it is readable. */
  headPosition(): Promise<Position>;
  /** Negative, zero or positive as a is before, equal to or after b. */
  comparePositions(a: Position, b: Position): number;
  /** Number of events after a position (projection lag). */
  countAfter(position: Position): Promise<number>;
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** A claim on a value another owner holds; nothing of the append was written. */
export class UniqueValueTakenError extends Error {
  readonly code = 'UNIQUE_VALUE_TAKEN';
  constructor(
    readonly kind: string,
    readonly value: string,
    readonly ownerId: string,
  ) {
    super(`the ${kind} is already held by another owner`);
    this.name = 'UniqueValueTakenError';
  }
}

export function isUniqueValueTaken(err: unknown): err is UniqueValueTakenError {
  return err instanceof UniqueValueTakenError;
}

export function isWrongExpectedRevision(err: unknown): err is WrongExpectedRevisionError {
  return err instanceof WrongExpectedRevisionError;
}
