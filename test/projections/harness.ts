import { randomUUID } from 'node:crypto';
import type { EventData, EventMetadata, EventStore, Position } from '../../src/eventstore/types';
import { createLogger } from '../../src/logger';
import type { Projection } from '../../src/projections/projection';
import { createProjector, type Projector } from '../../src/projections/projector';
import { createTestDatabase, type TestDatabase } from '../support/db';

/** A fresh database with a running projector over the given projections. */
export interface Harness {
  readonly db: TestDatabase;
  readonly projector: Projector;
  /** Append to one stream (any revision) and wait until every projection has applied it. */
  given(streamId: string, events: readonly Omit<EventData, 'id' | 'metadata'>[] | readonly EventData[], meta?: Partial<EventMetadata>): Promise<Position>;
  settle(): Promise<void>;
  close(): Promise<void>;
}

export const baseMeta: EventMetadata = { actor: { type: 'admin', id: 'admin_1' }, source: 'admin', occurredAt: '2026-03-01T10:00:00.000Z' };

export function ev(type: string, data: unknown, meta: Partial<EventMetadata> = {}): EventData {
  return { id: randomUUID(), type, data, metadata: { ...baseMeta, ...meta } };
}

/** `given` may need the store (`allProjections`): it is then called with the harness's. */
export async function startHarness(given: readonly Projection[] | ((store: EventStore) => readonly Projection[])): Promise<Harness> {
  const db = await createTestDatabase();
  const projections = typeof given === 'function' ? given(db.store) : given;
  const projector = createProjector({ store: db.store, knex: db.knex, pool: db.pool, projections, logger: createLogger('silent'), options: { batchSize: 500, lockRetryMs: 100 } });
  await projector.start();
  const h: Harness = {
    db,
    projector,
    async given(streamId, events, meta = {}) {
      const full = events.map((e) => ('id' in e && 'metadata' in e ? e : ev(e.type, e.data, meta)));
      const r = await db.store.appendToStream(streamId, full, 'any');
      if (!(await projector.waitFor(r.position, 20_000))) throw new Error('projection did not catch up');
      return r.position;
    },
    async settle() {
      const head = await db.store.headPosition();
      if (head !== 'start' && !(await projector.waitFor(head, 30_000))) throw new Error('projection did not catch up');
    },
    async close() {
      await projector.stop();
      await db.close();
    },
  };
  return h;
}

let n = 0;
export const hex32 = () => randomUUID().replace(/-/g, '');
export const userId = () => `kp_${hex32()}`;
export const orgCode = () => `org_${hex32().slice(0, 12)}`;
export const identity = (uid: string, type: string, value: string, isPrimary = true) => ({
  id: `identity_${uid.slice(3, 15)}_${type.replace(/\W/g, '')}_${n++}`,
  type,
  identity: value,
  isVerified: true,
  isPrimary,
});
