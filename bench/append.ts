import { createHash } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { NotAvailable, median, round, timed, quietLogger, type Context } from './context';
import { userAt, type BenchUser } from './data';
import { openDatabase } from '../src/db/database';
import { deterministicUuid } from '../src/eventstore/ids';
import { createPostgresEventStore } from '../src/eventstore/postgres';
import type { EventData, EventStore, StreamAppend } from '../src/eventstore/types';

/*
 * Append throughput, Roster's PostgreSQL event store against a peer, Emmett's
 * PostgreSQL event store, with the same events:
 *
 * The workload is import-shaped: per valid user, a `user-<id>` stream with one
 * UserImported event, and the `email-…` and `provided_id-…` reservation streams
 * with one ReservationClaimed each (what one import row appends).
 *
 * - append.per_stream_*: one append call per stream (the only multi-event unit
 *   Emmett has), 16 calls in flight, for both stores: like for like.
 * - append.bulk_events_per_s: Roster's appendToStreams with the import's batch
 *   (1,000 users = ~3,000 streams in one transaction).
 * - baselines.emmett_append_events_per_s: Emmett, per stream, 16 in flight.
 * - ratios.append_vs_emmett (in report.ts): Roster's bulk path / Emmett;
 *   ratios.append_per_stream_vs_emmett: the like-for-like ratio.
 */

const CONCURRENCY = 16;
const BULK_USERS = 1000;

interface Workload {
  readonly users: number;
  readonly groups: { type: string; data: Record<string, unknown>; streamId: string }[][];
  readonly events: number;
}

function eventsOf(u: BenchUser): { type: string; data: Record<string, unknown>; streamId: string }[] {
  const userId = `kp_${createHash('sha256').update(`bench\u0000${u.id}`).digest('hex').slice(0, 32)}`;
  const email = u.email!.toLowerCase();
  return [
    {
      streamId: `user-${userId}`,
      type: 'UserImported',
      data: {
        userId, isNew: true, mode: 'merge', providedId: u.id, firstName: u.firstName, lastName: u.lastName,
        identities: [
          { identityId: deterministicUuid(userId, 'email', email), type: 'email', identity: email, isVerified: u.emailVerified, isPrimary: true },
          ...(u.phone ? [{ identityId: deterministicUuid(userId, 'phone', u.phone), type: 'phone', identity: u.phone, isVerified: false, isPrimary: true }] : []),
        ],
        organizations: u.orgs.map((o) => ({ orgCode: `org_${o.externalId}`, roleIds: o.roles, permissionIds: o.permissions })),
        properties: {}, featureFlags: {},
        ...(u.password ? { password: { method: u.password.method, hash: u.password.hashed_password, ...(u.password.salt ? { salt: u.password.salt } : {}) } } : {}),
      },
    },
    { streamId: `email-${email}`, type: 'ReservationClaimed', data: { kind: 'email', value: email, ownerId: userId } },
    { streamId: `provided_id-${u.id}`, type: 'ReservationClaimed', data: { kind: 'provided_id', value: u.id, ownerId: userId } },
  ];
}

function workload(ctx: Context): Workload {
  const n = Math.min(ctx.data.users, ctx.options.quick ? 10_000 : 50_000);
  const groups: Workload['groups'] = [];
  let events = 0;
  for (let i = 0; i < n; i++) {
    const u = userAt(ctx.data.seed, i, ctx.data.pool);
    if (u.invalid !== null || u.email === null) continue;
    const g = eventsOf(u);
    events += g.length;
    groups.push(g);
  }
  return { users: groups.length, groups, events };
}

const metadata = { actor: { type: 'import' as const }, source: 'import' as const, occurredAt: '2026-01-01T00:00:00.000Z' };

function toEventData(e: { type: string; data: Record<string, unknown>; streamId: string }, run: number): EventData {
  return { id: deterministicUuid('bench', String(run), e.streamId, e.type), type: e.type, data: e.data, metadata };
}

async function inFlight<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function freshRosterStore(ctx: Context, name: string): Promise<{ store: EventStore; close(): Promise<void> }> {
  const url = await (await ctx.postgres()).database(name);
  const db = await openDatabase({ databaseUrl: url, dataDir: '/nonexistent' }, quietLogger());
  const pool = new pg.Pool({ connectionString: url, max: CONCURRENCY });
  const store = createPostgresEventStore(pool);
  return { store, close: async () => { await store.close().catch(() => {}); await pool.end().catch(() => {}); await db.close(); } };
}

export async function runAppend(ctx: Context): Promise<void> {
  const w = workload(ctx);
  ctx.log(`append workload: ${w.users} users, ${w.events} events (${round(w.events / w.users, 2)} per user)`);
  ctx.results.set('append.workload', { users: w.users, events: w.events, bulk_batch_users: BULK_USERS, concurrency: CONCURRENCY });
  // One call per stream is ~10x slower than bulk: a prefix of the same streams keeps the run short.
  const streams = w.groups.flat().slice(0, ctx.options.quick ? 3_000 : 15_000);
  ctx.results.set('append.workload.per_stream_events', streams.length);

  // 1. Roster, bulk (the import's path).
  const bulkRuns: number[] = [];
  for (let k = 0; k < ctx.options.repeats; k++) {
    const { store, close } = await freshRosterStore(ctx, `bench_append_bulk_${k}`);
    try {
      const { seconds } = await timed(async () => {
        for (let b = 0; b < w.groups.length; b += BULK_USERS) {
          const appends: StreamAppend[] = w.groups.slice(b, b + BULK_USERS).flat().map((e) => ({ streamId: e.streamId, events: [toEventData(e, k)], expectedRevision: 'no_stream' }));
          await store.appendToStreams(appends);
        }
      });
      bulkRuns.push(w.events / seconds);
    } finally {
      await close();
    }
  }
  ctx.results.set('append.bulk_events_per_s', round(median(bulkRuns), 0));
  ctx.log(`roster appendToStreams (${BULK_USERS} users per call): ${round(median(bulkRuns), 0)} events/s (runs ${bulkRuns.map((x) => round(x, 0)).join(', ')})`);

  // 2. Roster, one stream per call, 16 in flight.
  const perStreamRuns: number[] = [];
  for (let k = 0; k < ctx.options.repeats; k++) {
    const { store, close } = await freshRosterStore(ctx, `bench_append_single_${k}`);
    try {
      const { seconds } = await timed(() => inFlight(streams, CONCURRENCY, (e) => store.appendToStream(e.streamId, [toEventData(e, k)], 'no_stream')));
      perStreamRuns.push(streams.length / seconds);
    } finally {
      await close();
    }
  }
  ctx.results.set('append.per_stream_events_per_s', round(median(perStreamRuns), 0));
  ctx.log(`roster appendToStream (1 stream per call, ${CONCURRENCY} in flight): ${round(median(perStreamRuns), 0)} events/s`);

  // 3. Emmett, one stream per call, 16 in flight.
  try {
    await runEmmett(ctx, streams);
  } catch (err) {
    const reason = err instanceof NotAvailable ? err.message : `Emmett's PostgreSQL event store failed on Node ${process.version}: ${(err as Error).message}`;
    ctx.results.set('baselines.emmett_error', reason);
    ctx.log(`emmett baseline not available: ${reason}`);
  }
}

async function runEmmett(ctx: Context, streams: Workload['groups'][number]): Promise<void> {
  let mod: typeof import('@event-driven-io/emmett-postgresql');
  let emmett: typeof import('@event-driven-io/emmett');
  try {
    mod = await import('@event-driven-io/emmett-postgresql');
    emmett = await import('@event-driven-io/emmett');
  } catch (err) {
    throw new NotAvailable(`@event-driven-io/emmett-postgresql cannot be loaded on Node ${process.version}: ${(err as Error).message}`);
  }
  const runs: number[] = [];
  for (let k = 0; k < ctx.options.repeats; k++) {
    const url = await (await ctx.postgres()).database(`bench_emmett_${k}`);
    const store = mod.getPostgreSQLEventStore(url, { connectionOptions: { pooled: true, connectionString: url } as never });
    try {
      // Schema creation happens on first use: do it outside the timing.
      await store.appendToStream('warmup-0', [{ type: 'Warmup', data: {} }]);
      const { seconds } = await timed(() => inFlight(streams, CONCURRENCY, (e) =>
        store.appendToStream(e.streamId, [{ type: e.type, data: e.data, metadata: { ...metadata } }], { expectedStreamVersion: emmett.STREAM_DOES_NOT_EXIST })));
      runs.push(streams.length / seconds);
    } finally {
      await store.close();
    }
  }
  ctx.results.set('baselines.emmett_append_events_per_s', round(median(runs), 0));
  ctx.results.set('baselines.detail.emmett', { version: emmettVersion(), runs: runs.map((x) => round(x, 0)), concurrency: CONCURRENCY, mode: 'appendToStream, one stream per call' });
  ctx.log(`emmett appendToStream (1 stream per call, ${CONCURRENCY} in flight): ${round(median(runs), 0)} events/s`);
}

function emmettVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(new URL('../node_modules/@event-driven-io/emmett-postgresql/package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
