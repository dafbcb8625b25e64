import pg from 'pg';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomEventId } from '../../src/eventstore/ids';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { eventStoreContract } from './contract';

eventStoreContract('PostgreSQL', createTestDatabase);

describe('PostgreSQL feed with transactions that commit out of order', () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await createTestDatabase()));
  afterAll(async () => db?.close());

  const insert = (client: pg.PoolClient, stream: string, type: string) =>
    client.query(
      `insert into events (event_id, stream_id, revision, type, data, metadata) values ($1, $2, 0, $3, '{}', '{"actor":{"type":"system"},"source":"system","occurredAt":"2026-01-01T00:00:00Z"}')`,
      [randomEventId(), stream, type],
    );

  it('never lets a reader skip an event whose transaction commits late, and delivers it exactly once', async () => {
    const from = await db.store.headPosition();
    const seen = firstValueFrom(db.store.subscribeToAll(from).pipe(take(2), toArray()));
    const early = await db.pool.connect();
    const late = await db.pool.connect();
    try {
      // `early` takes its transaction id (and sequence position) first but commits last.
      await early.query('begin');
      await insert(early, 'ooo-early', 'Early');
      await late.query('begin');
      await insert(late, 'ooo-late', 'Late');
      await late.query('commit');

      // While `early` is open, the committed `late` event must not be readable:
      // a reader that moved past it would never see `early`.
      expect(await db.store.readAll(from, 10)).toEqual([]);

      await early.query('commit');
      const feed = await db.store.readAll(from, 10);
      expect(feed.map((e) => e.type)).toEqual(['Early', 'Late']);
      const delivered = await seen;
      expect(delivered.map((e) => e.type)).toEqual(['Early', 'Late']);
    } finally {
      early.release();
      late.release();
    }
  });
});
