import { AccessDeniedError, DeadlineExceededError, StreamNotFoundError, TimeoutError, UnavailableError, WrongExpectedVersionError } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import {
  compareEsdbPositions,
  decodeEsdbPosition,
  encodeEsdbPosition,
  firstRevisionFor,
  isAmbiguousAppendError,
  isSystemEventType,
  matchStoredIds,
  toClientConnectionString,
  toEsdbExpectedRevision,
  toWrongExpectedRevision,
} from '../../src/eventstore/esdb-mapping';
import { START, WrongExpectedRevisionError, type ExpectedRevision } from '../../src/eventstore/types';

/** What the EventStoreDB adapter does without a server: positions, revisions, error mapping. */
describe('EventStoreDB positions', () => {
  it('round-trips a $all position through the port string, beyond 2^53', () => {
    const p = { commit: 9_007_199_254_740_993n, prepare: 9_007_199_254_740_995n };
    expect(encodeEsdbPosition(p)).toBe('9007199254740993/9007199254740995');
    expect(decodeEsdbPosition(encodeEsdbPosition(p))).toEqual(p);
  });

  it('decodes START as "before everything" and refuses foreign positions', () => {
    expect(decodeEsdbPosition(START)).toBeUndefined();
    for (const bad of ['', '12', '1/2/3', '-1/0', 'a/b', '1 / 2']) expect(() => decodeEsdbPosition(bad)).toThrow(/Not an EventStoreDB position/);
  });

  it.each([
    ['equal', '10/10', '10/10', 0],
    ['commit decides first', '9/100', '10/0', -1],
    ['commit decides first (after)', '11/0', '10/100', 1],
    ['prepare breaks a commit tie', '10/5', '10/6', -1],
    ['prepare breaks a commit tie (after)', '10/7', '10/6', 1],
    ['numeric, not lexical', '9/0', '10/0', -1],
    ['beyond 2^53', '9007199254740993/0', '9007199254740992/0', 1],
    ['START before the first event', START, '0/0', -1],
    ['an event after START', '0/0', START, 1],
    ['START equals START', START, START, 0],
  ])('compares: %s', (_label, a, b, sign) => {
    expect(Math.sign(compareEsdbPositions(a, b))).toBe(sign);
  });
});

describe('EventStoreDB expected revisions', () => {
  it.each<[ExpectedRevision, unknown, number | undefined]>([
    ['no_stream', 'no_stream', 0],
    ['any', 'any', undefined],
    ['stream_exists', 'stream_exists', undefined],
    [0, 0n, 1],
    [41, 41n, 42],
  ])('maps %s to the client and says where the first event goes', (expected, client, first) => {
    expect(toEsdbExpectedRevision(expected)).toBe(client);
    expect(firstRevisionFor(expected)).toBe(first);
  });

  it('refuses revisions that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expect(() => toEsdbExpectedRevision(bad)).toThrow(RangeError);
  });
});

describe('EventStoreDB errors', () => {
  it('maps a wrong expected version to the typed conflict with the actual revision', () => {
    const err = new WrongExpectedVersionError(undefined, { streamName: 'user-1', expected: 0n, current: 3n });
    const mapped = toWrongExpectedRevision(err, 'user-1', 0);
    expect(mapped).toBeInstanceOf(WrongExpectedRevisionError);
    expect(mapped).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', streamId: 'user-1', expected: 0, actual: 3 });
  });

  it('maps a conflict on a missing stream to actual "no_stream"', () => {
    const err = new WrongExpectedVersionError(undefined, { streamName: 'user-2', expected: 'stream_exists', current: 'no_stream' });
    expect(toWrongExpectedRevision(err, 'user-2', 'stream_exists')).toMatchObject({ actual: 'no_stream', expected: 'stream_exists' });
  });

  it('leaves other errors alone', () => {
    for (const err of [new AccessDeniedError(), new StreamNotFoundError(undefined, 'x'), new Error('boom'), null, 'text']) {
      expect(toWrongExpectedRevision(err, 's', 'any')).toBeUndefined();
    }
  });

  it.each([
    ['timeout', new TimeoutError(), true],
    ['deadline exceeded', new DeadlineExceededError(), true],
    ['unavailable', new UnavailableError(), true],
    ['access denied', new AccessDeniedError(), false],
    ['wrong expected version', new WrongExpectedVersionError(undefined, { streamName: 's', expected: 0n, current: 1n }), false],
    ['a plain error', new Error('boom'), false],
  ])('treats %s as ambiguous: %s', (_label, err, ambiguous) => {
    expect(isAmbiguousAppendError(err)).toBe(ambiguous);
  });
});

describe('EventStoreDB idempotency and feed helpers', () => {
  it.each<[string, string[], string[], 'all' | 'none' | 'some']>([
    ['every id stored: a retry', ['a', 'b'], ['a', 'b'], 'all'],
    ['ids compared case-insensitively', ['AA-1', 'bb-2'], ['aa-1', 'BB-2'], 'all'],
    ['nothing stored', ['x'], ['a', 'b'], 'none'],
    ['empty stream', [], ['a'], 'none'],
    ['part stored: another append', ['a', 'x'], ['a', 'b'], 'some'],
    ['no events to append', ['a'], [], 'none'],
  ])('%s', (_label, stored, ids, expected) => {
    expect(matchStoredIds(stored, ids)).toBe(expected);
  });

  it.each([
    ['$metadata', true],
    ['$statsCollected', true],
    ['$>', true],
    ['UserImported', false],
    ['user$odd', false],
  ])('%s is a system event: %s', (type, system) => {
    expect(isSystemEventType(type)).toBe(system);
  });
});

describe('EventStoreDB connection strings', () => {
  it.each([
    ['esdb://eventstore:2113?tls=false', 'esdb://eventstore:2113?tls=false'],
    ['esdb+discover://a:2113,b:2113', 'esdb+discover://a:2113,b:2113'],
    ['kurrentdb://eventstore:2113?tls=false', 'esdb://eventstore:2113?tls=false'],
    ['kdb+discover://cluster:2113', 'esdb+discover://cluster:2113'],
  ])('hands %s to the client as %s', (given, client) => {
    expect(toClientConnectionString(given)).toBe(client);
  });
});
