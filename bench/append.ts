import { createHash } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { NotAvailable, median, round, runChild, timed, quietLogger, type Context } from './context';
import { BENCH_DIR, userAt, type BenchUser, type PoolHash } from './data';
import path from 'node:path';
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
 *   as the import writes it: 1,000 users per call, each its UserImported event
 *   with its email and provided id claimed as unique values in the same
 *   transaction (constraint rows, not reservation events). Events (= users) per
 *   second; the per-stream workload below keeps the reservation streams as events
 *   so that it stays like for like with Emmett, which has no unique values.
 * - baselines.emmett_append_events_per_s: Emmett, per stream, 16 in flight.
 * - ratios.append_vs_emmett (in report.ts): Roster's bulk path / Emmett;
 *   ratios.append_per_stream_vs_emmett: the like-for-like ratio.
 */

export const CONCURRENCY = 16;
const BULK_USERS = 1000;
/** One call per stream is ~10x slower than bulk: a prefix of the same streams keeps the run short. */
export const perStreamCount = (quick: boolean) => (quick ? 3_000 : 15_000);

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
        userId,
        isNew: true,
        mode: 'merge',
        providedId: u.id,
        firstName: u.firstName,
        lastName: u.lastName,
        identities: [
          { identityId: deterministicUuid(userId, 'email', email), type: 'email', identity: email, isVerified: u.emailVerified, isPrimary: true },
          ...(u.phone ? [{ identityId: deterministicUuid(userId, 'phone', u.phone), type: 'phone', identity: u.phone, isVerified: false, isPrimary: true }] : []),
        ],
        organizations: u.orgs.map((o) => ({ orgCode: `org_${o.externalId}`, roleIds: o.roles, permissionIds: o.permissions })),
        properties: {},
        featureFlags: {},
        ...(u.password ? { password: { method: u.password.method, hash: u.password.hashed_password, ...(u.password.salt ? { salt: u.password.salt } : {}) } } : {}),
      },
    },
    { streamId: `email-${email}`, type: 'ReservationClaimed', data: { kind: 'email', value: email, ownerId: userId } },
    { streamId: `provided_id-${u.id}`, type: 'ReservationClaimed', data: { kind: 'provided_id', value: u.id, ownerId: userId } },
  ];
}

function workload(ctx: Context): Workload {
  return buildWorkload(ctx.data.users, ctx.data.seed, ctx.data.pool, ctx.options.quick);
}

export function buildWorkload(users: number, seed: number, pool: readonly PoolHash[], quick: boolean): Workload {
  const n = Math.min(users, quick ? 10_000 : 50_000);
  const groups: Workload['groups'] = [];
  let events = 0;
  for (let i = 0; i < n; i++) {
    const u = userAt(seed, i, pool);
    if (u.invalid !== null || u.email === null) continue;
    const g = eventsOf(u);
    events += g.length;
    groups.push(g);
  }
  return { users: groups.length, groups, events };
}

export const metadata = { actor: { type: 'import' as const }, source: 'import' as const, occurredAt: '2026-01-01T00:00:00.000Z' };

function toEventData(e: { type: string; data: Record<string, unknown>; streamId: string }, run: number): EventData {
  return { id: deterministicUuid('bench', String(run), e.streamId, e.type), type: e.type, data: e.data, metadata };
}

export async function inFlight<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function freshRosterStore(ctx: Context, name: string): Promise<{ store: EventStore; close: () => Promise<void> }> {
  const url = await (await ctx.postgres()).database(name);
  const db = await openDatabase({ databaseUrl: url, dataDir: '/nonexistent' }, quietLogger());
  const pool = new pg.Pool({ connectionString: url, max: CONCURRENCY });
  const store = createPostgresEventStore(pool);
  return {
    store,
    close: async () => {
      await store.close().catch(() => {});
      await pool.end().catch(() => {});
      await db.close();
    },
  };
}

export async function runAppend(ctx: Context): Promise<void> {
  const w = workload(ctx);
  ctx.log(`append workload: ${w.users} users, ${w.events} events (${round(w.events / w.users, 2)} per user)`);
  ctx.results.set('append.workload', { users: w.users, events: w.events, bulk_batch_users: BULK_USERS, concurrency: CONCURRENCY });
  const streams = w.groups.flat().slice(0, perStreamCount(ctx.options.quick));
  ctx.results.set('append.workload.per_stream_events', streams.length);

  // 1. Roster, bulk (the import's path).
  const bulkRuns: number[] = [];
  for (let k = 0; k < ctx.options.repeats; k++) {
    const { store, close } = await freshRosterStore(ctx, `bench_append_bulk_${k}`);
    try {
      const { seconds } = await timed(async () => {
        for (let b = 0; b < w.groups.length; b += BULK_USERS) {
          const appends: StreamAppend[] = w.groups.slice(b, b + BULK_USERS).map(([user, ...claims]) => ({
            streamId: user!.streamId,
            events: [toEventData(user!, k)],
            expectedRevision: 'no_stream',
            uniques: claims.map((c) => ({ action: 'claim' as const, kind: String(c.data.kind), value: String(c.data.value), ownerId: String(c.data.ownerId) })),
          }));
          await store.appendToStreams(appends);
        }
      });
      bulkRuns.push(w.users / seconds);
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
    await runEmmett(ctx);
  } catch (err) {
    const reason = err instanceof NotAvailable ? err.message : `Emmett's PostgreSQL event store failed on Node ${process.version}: ${(err as Error).message}`;
    ctx.results.set('baselines.emmett_error', reason);
    ctx.log(`emmett baseline not available: ${reason}`);
  }
}

/*
 * Emmett runs in a process of its own: its PostgreSQL layer (dumbo) sets
 * process-wide pg type parsers (int8 -> BigInt, json), which would change what
 * Roster's own code reads in this process afterwards.
 */
async function runEmmett(ctx: Context): Promise<void> {
  const runs: number[] = [];
  for (let k = 0; k < ctx.options.repeats; k++) {
    const url = await (await ctx.postgres()).database(`bench_emmett_${k}`);
    const r = await runChild<{ events: number; seconds: number }>(
      path.join(BENCH_DIR, 'emmett-child.ts'),
      {
        BENCH_DB_URL: url,
        BENCH_USERS: String(ctx.data.users),
        BENCH_SEED: String(ctx.data.seed),
        BENCH_QUICK: ctx.options.quick ? '1' : '0',
      },
      { timeoutSeconds: 900 },
    );
    runs.push(r.events / r.seconds);
  }
  ctx.results.set('baselines.emmett_append_events_per_s', round(median(runs), 0));
  ctx.results.set('baselines.detail.emmett', { version: emmettVersion(), runs: runs.map((x) => round(x, 0)), concurrency: CONCURRENCY, mode: 'appendToStream, one stream per call' });
  ctx.log(`emmett appendToStream (1 stream per call, ${CONCURRENCY} in flight): ${round(median(runs), 0)} events/s (runs ${runs.map((x) => round(x, 0)).join(', ')})`);
}

function emmettVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(new URL('../node_modules/@event-driven-io/emmett-postgresql/package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
