import { DomainError } from '../domain/errors';
import { isDomainEventType } from '../domain/events';
import { takenError } from '../domain/reservation/decider';
import type { ReservationKind } from '../domain/reservation/events';
import type { DomainEvent, Decider } from '../domain/shared';
import type { ReservationChange } from '../domain/user/reservations';
import { deterministicUuid } from '../eventstore/ids';
import { rememberJson } from '../eventstore/serialized';
import {
  isUniqueValueTaken,
  isWrongExpectedRevision,
  type UniqueChange,
  type UniqueValueTakenError,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type Position,
  type RecordedEvent,
  type StreamAppend,
} from '../eventstore/types';
import { metadataFor, type CommandContext } from './context';

export interface CommandResult<E extends DomainEvent = DomainEvent> {
  /** The events the decider produced for the command's stream ([] when nothing changed). */
  readonly events: readonly E[];
  /** Every event appended, on every stream. */
  readonly appended: readonly EventData[];
  /** Position of the last event written; wait for projections to reach it (null: nothing written). */
  readonly position: Position | null;
}

export interface Loaded<S> {
  readonly state: S;
  readonly expectedRevision: ExpectedRevision;
  /** Revision the next event will get. */
  readonly nextRevision: number;
}

export function foldRecorded<E extends DomainEvent, S>(decider: Pick<Decider<never, E, S>, 'initialState' | 'evolve'>, recorded: readonly RecordedEvent[]): Loaded<S> {
  let state = decider.initialState();
  for (const r of recorded) state = decider.evolve(state, { type: r.type, data: r.data } as E);
  const last = recorded.at(-1);
  return { state, expectedRevision: last ? last.revision : 'no_stream', nextRevision: last ? last.revision + 1 : 0 };
}

export async function loadState<E extends DomainEvent, S>(store: EventStore, streamId: string, decider: Pick<Decider<never, E, S>, 'initialState' | 'evolve'>): Promise<Loaded<S>> {
  return foldRecorded(decider, await store.readStream(streamId));
}

/**
 * Decider events -> EventData: metadata stamped from the context, and
 * deterministic ids (stream, revision, type, data) so a retried append is
 * deduplicated by the store. The data is not schema-checked again here: it is a
 * decider's typed output (the catalogue's schemas are checked against every
 * decider in the domain specs), and parsing every event twice cost the import a
 * tenth of its time.
 */
export function toEventData(streamId: string, firstRevision: number, events: readonly DomainEvent[], ctx: CommandContext): EventData[] {
  const metadata = metadataFor(ctx);
  return events.map((e, i) => {
    if (!isDomainEventType(e.type)) throw new Error(`event type ${e.type} is not in the catalogue`);
    const json = JSON.stringify(e.data);
    rememberJson(e.data, json);
    return { id: deterministicUuid(streamId, String(firstRevision + i), e.type, json), type: e.type, data: e.data, metadata };
  });
}

/** Decide on one stream and turn the result into an append (null when nothing changes). */
export async function planCommand<C extends { type: string }, E extends DomainEvent, S>(
  store: EventStore,
  streamId: string,
  decider: Decider<C, E, S>,
  command: C,
  ctx: CommandContext,
  recorded?: readonly RecordedEvent[],
): Promise<{ append: StreamAppend | null; events: E[]; state: S }> {
  const loaded = recorded ? foldRecorded(decider, recorded) : await loadState(store, streamId, decider);
  const events = [...decider.decide(command, loaded.state)];
  if (events.length === 0) return { append: null, events, state: loaded.state };
  return { append: { streamId, expectedRevision: loaded.expectedRevision, events: toEventData(streamId, loaded.nextRevision, events, ctx) }, events, state: loaded.state };
}

/** The unique-value changes of an aggregate's events, owned by `ownerId`. */
export function uniquesFor(ownerId: string, changes: readonly ReservationChange[]): UniqueChange[] {
  return changes.map((c) => ({ action: c.action, kind: c.kind, value: c.value, ownerId }));
}

/** A claim the store refused, as the domain's *_TAKEN error. */
export function takenErrorOf(err: UniqueValueTakenError): DomainError {
  return takenError(err.kind as ReservationKind);
}

export interface HandleOptions<E extends DomainEvent, S> {
  /** Unique values the command's events claim or release (committed with them, or not at all). */
  readonly uniques?: (events: readonly E[], state: S) => readonly UniqueChange[];
  /** Appends on other streams that must commit together with the command's events. */
  readonly related?: (events: readonly E[], state: S) => Promise<readonly StreamAppend[]>;
  /** The stream's events, already read along with others: the first attempt decides on them (a retry reads afresh). */
  readonly recorded?: readonly RecordedEvent[];
  readonly maxAttempts?: number;
}

/**
 * Read -> fold -> decide -> append with the expected revision, together with any
 * related appends in one `appendToStreams` call; on a concurrency conflict, start
 * over (bounded). Domain errors propagate unchanged.
 */
export async function handleCommand<C extends { type: string }, E extends DomainEvent, S>(
  store: EventStore,
  streamId: string,
  decider: Decider<C, E, S>,
  command: C,
  ctx: CommandContext,
  options: HandleOptions<E, S> = {},
): Promise<CommandResult<E>> {
  const maxAttempts = options.maxAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    try {
      const { append, events, state } = await planCommand(store, streamId, decider, command, ctx, attempt === 1 ? options.recorded : undefined);
      if (!append) return { events: [], appended: [], position: null };
      const related = options.related ? await options.related(events, state) : [];
      const uniques = options.uniques?.(events, state) ?? [];
      const appends = [...related, uniques.length ? { ...append, uniques } : append];
      const results = await store.appendToStreams(appends);
      let position: Position | null = null;
      for (const r of results) if (position === null || store.comparePositions(r.position, position) > 0) position = r.position;
      return { events, appended: appends.flatMap((a) => a.events), position };
    } catch (err) {
      if (isUniqueValueTaken(err)) throw takenErrorOf(err);
      if (isWrongExpectedRevision(err) && attempt < maxAttempts) continue;
      if (isWrongExpectedRevision(err)) throw new DomainError('CONCURRENCY_CONFLICT', `too many concurrent changes to ${streamId}; try again`);
      throw err;
    }
  }
}

/** handleCommand with the unique values the events imply (owner = the aggregate id). */
export function handleCommandWithReservations<C extends { type: string }, E extends DomainEvent, S>(
  store: EventStore,
  streamId: string,
  decider: Decider<C, E, S>,
  command: C,
  ctx: CommandContext,
  reservation: {
    ownerId: string;
    changesOf: (events: readonly E[], state: S) => readonly ReservationChange[];
    more?: (events: readonly E[], state: S) => Promise<readonly StreamAppend[]>;
    recorded?: readonly RecordedEvent[];
  },
): Promise<CommandResult<E>> {
  return handleCommand(store, streamId, decider, command, ctx, {
    uniques: (events, state) => uniquesFor(reservation.ownerId, reservation.changesOf(events, state)),
    ...(reservation.more ? { related: reservation.more } : {}),
    ...(reservation.recorded ? { recorded: reservation.recorded } : {}),
  });
}
