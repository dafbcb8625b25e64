import { buildWorkload, CONCURRENCY, inFlight, metadata, perStreamCount } from './append';
import { childNotAvailable, childResult, timed } from './context';
import { hashPool } from './data';

/*
 * Emmett's PostgreSQL event store appending the append benchmark's per-stream
 * workload (one stream per call, 16 in flight) into a fresh database. A process
 * of its own (see append.ts). Env: BENCH_DB_URL, BENCH_USERS, BENCH_SEED, BENCH_QUICK.
 */

let mod: typeof import('@event-driven-io/emmett-postgresql');
let emmett: typeof import('@event-driven-io/emmett');
try {
  mod = await import('@event-driven-io/emmett-postgresql');
  emmett = await import('@event-driven-io/emmett');
} catch (err) {
  childNotAvailable(`@event-driven-io/emmett-postgresql cannot be loaded on Node ${process.version}: ${(err as Error).message}`);
}
const quick = process.env.BENCH_QUICK === '1';
const w = buildWorkload(Number(process.env.BENCH_USERS), Number(process.env.BENCH_SEED), hashPool(), quick);
const streams = w.groups.flat().slice(0, perStreamCount(quick));
const url = process.env.BENCH_DB_URL!;
const store = mod.getPostgreSQLEventStore(url, { connectionOptions: { pooled: true, connectionString: url } as never });
try {
  // The schema is created on first use: outside the timing.
  await store.appendToStream('warmup-0', [{ type: 'Warmup', data: {} }]);
  const { seconds } = await timed(() =>
    inFlight(streams, CONCURRENCY, (e) => store.appendToStream(e.streamId, [{ type: e.type, data: e.data, metadata: { ...metadata } }], { expectedStreamVersion: emmett.STREAM_DOES_NOT_EXIST })),
  );
  childResult({ events: streams.length, seconds });
} finally {
  await store.close();
}
