import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomEventId } from '../../src/eventstore/ids';
import { START, type EventData } from '../../src/eventstore/types';
import { createLogger } from '../../src/logger';
import { createProjector, type Projector } from '../../src/projections/projector';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { tallyProjection } from '../support/tally-projection';
import type { Projection } from '../../src/projections/projection';

const meta = { actor: { type: 'system' as const }, source: 'system' as const, occurredAt: '2026-01-01T00:00:00.000Z' };
const ev = (type: string): EventData => ({ id: randomEventId(), type, data: {}, metadata: meta });
const logger = createLogger('silent');

async function appendMany(db: TestDatabase, streams: number, perStream: number, prefix = 's') {
  const appends = Array.from({ length: streams }, (_, i) => ({
    streamId: `${prefix}-${i}`,
    events: Array.from({ length: perStream }, (_, j) => ev(`E${j}`)),
    expectedRevision: 'any' as const,
  }));
  let last = '';
  for (let i = 0; i < appends.length; i += 50) {
    const r = await db.store.appendToStreams(appends.slice(i, i + 50));
    last = r[r.length - 1]!.position;
  }
  return last;
}

const rows = (db: TestDatabase) => db.knex('tally_v1').select('stream_id', 'events', 'types').orderBy('stream_id');

describe('RxJS projector', () => {
  let db: TestDatabase;
  let projector: Projector;
  beforeAll(async () => {
    db = await createTestDatabase();
    projector = createProjector({ store: db.store, knex: db.knex, pool: db.pool, projections: [tallyProjection], logger, options: { batchSize: 100, lockRetryMs: 100 } });
    await projector.start();
  });
  afterAll(async () => {
    await projector?.stop();
    await db?.close();
  });

  it("has reached an empty store's head (waiting for it used to end in a timeout, false)", async () => {
    expect(await db.store.headPosition()).toBe(START);
    expect(await projector.waitFor(START, 2_000)).toBe(true);
  });

  it('projects events in batches and reports when a position is reached', async () => {
    const last = await appendMany(db, 30, 10);
    expect(await projector.waitFor(last, 10_000)).toBe(true);
    const r = await rows(db);
    expect(r).toHaveLength(30);
    expect(r.every((x) => x.events === 10)).toBe(true);
    const [status] = await projector.status();
    expect(status).toMatchObject({ name: 'tally', lag_events: 0, failed_events: 0, running_here: true });
  });

  it('parks an event it cannot apply in the failed-events table and goes on', async () => {
    await db.store.appendToStream('poison-1', [ev('Poison')], 'no_stream');
    const after = await db.store.appendToStream('after-poison', [ev('Fine')], 'no_stream');
    expect(await projector.waitFor(after.position, 10_000)).toBe(true);
    expect(await db.knex('tally_v1').where({ stream_id: 'after-poison' }).first()).toMatchObject({ events: 1 });
    const failed = await db.knex('projection_failed_events').select('event_type', 'error');
    expect(failed).toEqual([{ event_type: 'Poison', error: 'cannot apply Poison' }]);
    const [status] = await projector.status();
    expect(status!.failed_events).toBe(1);
  });

  it('lets only one of two projectors apply a projection (no double apply)', async () => {
    const second = createProjector({ store: db.store, knex: db.knex, pool: db.pool, projections: [tallyProjection], logger, options: { batchSize: 100, lockRetryMs: 50 } });
    await second.start();
    try {
      const last = await appendMany(db, 20, 5, 'dual');
      expect(await second.waitFor(last, 10_000)).toBe(true);
      const dual = await db.knex('tally_v1').where('stream_id', 'like', 'dual-%').select('events');
      expect(dual).toHaveLength(20);
      expect(dual.every((x) => x.events === 5)).toBe(true);
      expect((await second.status())[0]!.running_here).toBe(false);
    } finally {
      await second.stop();
    }
  });

  it('rebuilds beside the live tables while queries keep answering, then swaps', async () => {
    const before = await rows(db);
    let stop = false;
    let queries = 0;
    const reader = (async () => {
      while (!stop) {
        const n = await db.knex('tally_v1').count({ n: '*' }).first();
        expect(Number(n!.n)).toBeGreaterThanOrEqual(before.length);
        queries++;
      }
    })();
    await projector.rebuild('tally');
    stop = true;
    await reader;
    expect(queries).toBeGreaterThan(0);
    expect(await rows(db)).toEqual(before);
    const [status] = await projector.status();
    expect(status!.generation).toBe(1);
    // Still live after the swap.
    const r = await db.store.appendToStream('after-rebuild', [ev('Late')], 'no_stream');
    expect(await projector.waitFor(r.position, 10_000)).toBe(true);
    expect(await db.knex('tally_v1').where({ stream_id: 'after-rebuild' }).first()).toMatchObject({ events: 1 });
  });
});

describe('projector crash safety', () => {
  it('after kill -9 in the middle of projecting and a restart, rows equal a rebuild from zero', async () => {
    const db = await createTestDatabase();
    try {
      await appendMany(db, 400, 10, 'crash');
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/projector-child.ts'], {
        env: { ...process.env, DATABASE_URL: db.url },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('running') && resolve()));
      // Kill it once it has applied some, but not all, batches.
      for (;;) {
        const cp = await db.knex('projection_checkpoints').where({ name: 'tally_v1' }).first();
        if (cp && cp.position !== 'start') break;
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const partial = Number((await db.knex('tally_v1').sum({ n: 'events' }).first())!.n ?? 0);
      expect(partial).toBeLessThan(4000);

      const projector = createProjector({ store: db.store, knex: db.knex, pool: db.pool, projections: [tallyProjection], logger, options: { batchSize: 50, lockRetryMs: 100 } });
      await projector.start();
      try {
        expect(await projector.waitFor(await db.store.headPosition(), 30_000)).toBe(true);
        const afterRestart = await rows(db);
        expect(afterRestart).toHaveLength(400);
        await projector.rebuild('tally');
        expect(await rows(db)).toEqual(afterRestart);
      } finally {
        await projector.stop();
      }
    } finally {
      await db.close();
    }
  });
});

describe('projector lanes', () => {
  it('applies each lane on its own: a stalled lane holds back neither the others nor a rebuild across lanes', async () => {
    const db = await createTestDatabase();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // Same rows as the tally (its version 2 tables), in a lane of its own whose batches wait for the gate.
    const gated: Projection = {
      ...tallyProjection,
      name: 'gated',
      version: 2,
      lane: 'slow',
      async apply(trx, events, t) {
        await gate;
        await tallyProjection.apply(trx, events, t);
      },
    };
    const projector = createProjector({ store: db.store, knex: db.knex, pool: db.pool, projections: [tallyProjection, gated], logger, options: { batchSize: 100, lockRetryMs: 100 } });
    await projector.start();
    try {
      const last = await appendMany(db, 20, 3, 'lane');
      // The main lane gets there while the slow lane is still stuck on its first batch.
      for (;;) {
        const n = Number((await db.knex('tally_v1').count({ n: '*' }).first())!.n);
        if (n === 20) break;
      }
      expect(Number((await db.knex('tally_v1_g0').count({ n: '*' }).first())!.n)).toBe(20);
      const status = await projector.status();
      expect(status.find((s) => s.name === 'gated')!.checkpoint).toBe('start');
      expect(await projector.waitFor(last, 200)).toBe(false);
      release();
      expect(await projector.waitFor(last, 10_000)).toBe(true);
      const gatedRows = () => db.knex('tally_v2').select('stream_id', 'events', 'types').orderBy('stream_id');
      const before = await gatedRows();
      expect(before).toEqual(await rows(db));
      await projector.rebuild(['tally', 'gated']);
      expect(await gatedRows()).toEqual(before);
      expect(await rows(db)).toEqual(before);
    } finally {
      await projector.stop();
      await db.close();
    }
  });
});
