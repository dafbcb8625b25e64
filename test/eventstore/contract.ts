import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deterministicUuid, randomEventId } from '../../src/eventstore/ids';
import { START, UniqueValueTakenError, WrongExpectedRevisionError, uniqueKey, type EventData, type EventStore } from '../../src/eventstore/types';

/**
 * The EventStore contract: every adapter must pass these. Run from
 * postgres.int.test.ts and esdb.int.test.ts.
 */
export interface ContractSubject {
  readonly store: EventStore;
  close(): Promise<void>;
}

const meta = { actor: { type: 'system' as const }, source: 'system' as const, occurredAt: '2026-01-01T00:00:00.000Z' };
const ev = (type: string, data: unknown = {}, id = randomEventId()): EventData => ({ id, type, data, metadata: meta });
const uniq = (p: string) => `${p}-${randomEventId().slice(0, 8)}`;

export function eventStoreContract(name: string, open: () => Promise<ContractSubject>) {
  describe(`EventStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: EventStore;
    beforeAll(async () => {
      subject = await open();
      store = subject.store;
    });
    afterAll(async () => subject?.close());

    it('appends to a new stream and reads it back in order', async () => {
      const s = uniq('user');
      const r = await store.appendToStream(s, [ev('A', { n: 1 }), ev('B', { n: 2 })], 'no_stream');
      expect(r.nextRevision).toBe(1);
      expect(r.appended).toBe(true);
      const read = await store.readStream(s);
      expect(read.map((e) => [e.type, e.revision, e.data])).toEqual([
        ['A', 0, { n: 1 }],
        ['B', 1, { n: 2 }],
      ]);
      expect(read[0]!.metadata).toEqual(meta);
      expect(await store.readStream(uniq('missing'))).toEqual([]);
    });

    it.each([
      ['no_stream on an existing stream', 'no_stream' as const, true],
      ['stream_exists on a missing stream', 'stream_exists' as const, false],
      ['an exact revision that is behind', 0, true],
      ['an exact revision on a missing stream', 0, false],
    ])('refuses %s with a typed conflict', async (_label, expected, create) => {
      const s = uniq('c');
      if (create) await store.appendToStream(s, [ev('A'), ev('B')], 'no_stream');
      const err = await store.appendToStream(s, [ev('X')], expected).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WrongExpectedRevisionError);
      expect((err as WrongExpectedRevisionError).streamId).toBe(s);
      expect((await store.readStream(s)).map((e) => e.type)).toEqual(create ? ['A', 'B'] : []);
    });

    it('accepts any, stream_exists and the exact revision', async () => {
      const s = uniq('ok');
      await store.appendToStream(s, [ev('A')], 'any');
      await store.appendToStream(s, [ev('B')], 'stream_exists');
      const r = await store.appendToStream(s, [ev('C')], 1);
      expect(r.nextRevision).toBe(2);
    });

    it('deduplicates a re-append of the same event ids instead of duplicating', async () => {
      const s = uniq('idem');
      const events = [ev('A', {}, deterministicUuid(s, '0')), ev('B', {}, deterministicUuid(s, '1'))];
      const first = await store.appendToStream(s, events, 'no_stream');
      const again = await store.appendToStream(s, events, 'no_stream');
      expect(again.appended).toBe(false);
      expect(again.nextRevision).toBe(first.nextRevision);
      expect(store.comparePositions(again.position, first.position)).toBe(0);
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('appends to many streams in one call, each with its own expected revision', async () => {
      const a = uniq('m'),
        b = uniq('m');
      await store.appendToStream(b, [ev('B0')], 'no_stream');
      const results = await store.appendToStreams([
        { streamId: a, events: [ev('A0'), ev('A1')], expectedRevision: 'no_stream' },
        { streamId: b, events: [ev('B1')], expectedRevision: 0 },
      ]);
      expect(results.map((r) => [r.streamId, r.nextRevision])).toEqual([
        [a, 1],
        [b, 1],
      ]);
      const read = await store.readStreams([a, b, uniq('none')]);
      expect(read.get(a)!.map((e) => e.type)).toEqual(['A0', 'A1']);
      expect(read.get(b)!.map((e) => e.type)).toEqual(['B0', 'B1']);
    });

    it("reads the newest event's revision and import fingerprint of many streams; missing streams are absent", async () => {
      const a = uniq('h'),
        b = uniq('h'),
        none = uniq('none');
      const stamped = (fingerprint: string) => ({ ...meta, import: { id: 'imp_1', format: 'csv', checksum: 'c', lines: [2], fingerprint } });
      await store.appendToStream(
        a,
        [
          { ...ev('A0'), metadata: stamped('older') },
          { ...ev('A1'), metadata: stamped('newest') },
        ],
        'no_stream',
      );
      await store.appendToStream(b, [ev('B0')], 'no_stream');
      const heads = await store.readStreamHeads([a, b, none]);
      expect([...heads.keys()].sort()).toEqual([a, b].sort());
      expect(heads.get(a)).toEqual({ revision: 1, importFingerprint: 'newest' });
      expect(heads.get(b)).toEqual({ revision: 0, importFingerprint: null });
      await store.appendToStream(b, [ev('B1')], 0);
      expect((await store.readStreamHeads([b])).get(b)!.revision).toBe(1);
      expect(await store.readStreamHeads([])).toEqual(new Map());
    });

    it('lets exactly one of many concurrent no_stream appends win', async () => {
      const s = uniq('race');
      const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => store.appendToStream(s, [ev('Won', { i })], 'no_stream')));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(s)).toHaveLength(1);
    });

    it('serves a global feed in append order, resumable from any position', async () => {
      const head = await store.headPosition();
      const a = uniq('g'),
        b = uniq('g');
      await store.appendToStream(a, [ev('G1')], 'no_stream');
      await store.appendToStream(b, [ev('G2')], 'no_stream');
      await store.appendToStream(a, [ev('G3')], 0);
      const feed = (await store.readAll(head, 100)).filter((e) => e.streamId === a || e.streamId === b);
      expect(feed.map((e) => e.type)).toEqual(['G1', 'G2', 'G3']);
      const after = await store.readAll(feed[0]!.position, 100);
      expect(after.filter((e) => e.streamId === a || e.streamId === b).map((e) => e.type)).toEqual(['G2', 'G3']);
      for (let i = 1; i < feed.length; i++) expect(store.comparePositions(feed[i - 1]!.position, feed[i]!.position)).toBeLessThan(0);
      expect(store.comparePositions(START, feed[0]!.position)).toBeLessThan(0);
      expect(await store.countAfter(feed[0]!.position)).toBeGreaterThanOrEqual(2);
    });

    it('catches up 10,000 events and then follows live appends', async () => {
      const from = await store.headPosition();
      const s = uniq('bulk');
      const appends = Array.from({ length: 100 }, (_, i) => ({
        streamId: `${s}-${i}`,
        events: Array.from({ length: 100 }, (_, j) => ev('Bulk', { i, j })),
        expectedRevision: 'no_stream' as const,
      }));
      for (let i = 0; i < appends.length; i += 20) await store.appendToStreams(appends.slice(i, i + 20));
      const live = uniq('live');
      const received = firstValueFrom(store.subscribeToAll(from).pipe(take(10_001), toArray()));
      // The live event is appended after the subscription has started catching up.
      setImmediate(() => void store.appendToStream(live, [ev('Live')], 'no_stream'));
      const events = await received;
      expect(events.slice(0, 10_000).every((e) => e.type === 'Bulk')).toBe(true);
      expect(new Set(events.map((e) => e.id)).size).toBe(10_001);
      expect(events[10_000]!.streamId).toBe(live);
    });

    describe('unique values claimed and released with an append', () => {
      const claim = (kind: string, value: string, ownerId: string) => ({ action: 'claim' as const, kind, value, ownerId });
      const release = (kind: string, value: string, ownerId: string) => ({ action: 'release' as const, kind, value, ownerId });
      const ownerOf = async (kind: string, value: string) => (await store.uniqueOwners([{ kind, value }])).get(uniqueKey(kind, value));

      it('claims a value with the events, and refuses it to another owner without writing anything', async () => {
        const value = `${uniq('v')}@example.com`;
        const [a, b] = [uniq('owner'), uniq('owner')];
        await store.appendToStreams([{ streamId: a, expectedRevision: 'no_stream', events: [ev('Created')], uniques: [claim('email', value, a)] }]);
        expect(await ownerOf('email', value)).toBe(a);
        const err = await store.appendToStreams([{ streamId: b, expectedRevision: 'no_stream', events: [ev('Created')], uniques: [claim('email', value, b)] }]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UniqueValueTakenError);
        expect((err as UniqueValueTakenError).kind).toBe('email');
        expect(await store.readStream(b)).toEqual([]);
        expect(await ownerOf('email', value)).toBe(a);
      });

      it('claiming what you own changes nothing; releasing frees the value for another owner', async () => {
        const value = uniq('name');
        const [a, b] = [uniq('owner'), uniq('owner')];
        await store.appendToStreams([{ streamId: a, expectedRevision: 'no_stream', events: [ev('Created')], uniques: [claim('username', value, a)] }]);
        await store.appendToStreams([{ streamId: a, expectedRevision: 0, events: [ev('Touched')], uniques: [claim('username', value, a)] }]);
        // Releasing a value one does not own releases nothing.
        await store.appendToStreams([{ streamId: b, expectedRevision: 'no_stream', events: [ev('Created')], uniques: [release('username', value, b)] }]);
        expect(await ownerOf('username', value)).toBe(a);
        await store.appendToStreams([{ streamId: a, expectedRevision: 1, events: [ev('Deleted')], uniques: [release('username', value, a)] }]);
        expect(await ownerOf('username', value)).toBeUndefined();
        await store.appendToStreams([{ streamId: b, expectedRevision: 0, events: [ev('Renamed')], uniques: [claim('username', value, b)] }]);
        expect(await ownerOf('username', value)).toBe(b);
      });

      it('a refused claim rolls back the whole multi-stream append', async () => {
        const value = uniq('key');
        const [a, b, c] = [uniq('owner'), uniq('owner'), uniq('other')];
        await store.appendToStreams([{ streamId: a, expectedRevision: 'no_stream', events: [ev('Created')], uniques: [claim('role_key', value, a)] }]);
        const err = await store
          .appendToStreams([
            { streamId: c, expectedRevision: 'no_stream', events: [ev('Other')] },
            { streamId: b, expectedRevision: 'no_stream', events: [ev('Created')], uniques: [claim('role_key', value, b)] },
          ])
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UniqueValueTakenError);
        if (store.kind === 'postgres') expect(await store.readStream(c)).toEqual([]); // EventStoreDB: not atomic across streams (documented)
        expect(await store.readStream(b)).toEqual([]);
      });

      it('lets exactly one of 20 concurrent claims of one value win', async () => {
        const value = `${uniq('race')}@example.com`;
        const owners = Array.from({ length: 20 }, () => uniq('racer'));
        const results = await Promise.allSettled(
          owners.map((o) => store.appendToStreams([{ streamId: o, expectedRevision: 'no_stream', events: [ev('Created')], uniques: [claim('email', value, o)] }])),
        );
        const won = owners.filter((_, i) => results[i]!.status === 'fulfilled');
        expect(won).toHaveLength(1);
        expect(await ownerOf('email', value)).toBe(won[0]);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(UniqueValueTakenError);
      });

      it('an idempotent re-append does not claim again, and its claims stay', async () => {
        const value = uniq('pid');
        const a = uniq('owner');
        const events = [ev('Created', {}, deterministicUuid(a, 'created'))];
        await store.appendToStreams([{ streamId: a, expectedRevision: 'no_stream', events, uniques: [claim('provided_id', value, a)] }]);
        const again = await store.appendToStreams([{ streamId: a, expectedRevision: 'no_stream', events, uniques: [claim('provided_id', value, a)] }]);
        expect(again[0]!.appended).toBe(false);
        expect(await ownerOf('provided_id', value)).toBe(a);
      });
    });
  });
}
