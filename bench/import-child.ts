import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childNotAvailable, childResult, closeWithin, rssSampler, vmHwmMiB } from './context';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { openRuntime } from '../src/runtime';

/*
 * One import in a process of its own, so that its peak RSS is the import's
 * (VmHWM of this process: parser, decisions, appends and the projector running
 * beside it, as `roster serve` would). Env: BENCH_DB_URL, BENCH_FILE; optional
 * BENCH_FORMAT (a `format=` key) and BENCH_FIREBASE_HASH_CONFIG (JSON, Firebase's
 * hash parameters). Prints {"result": {...}} on stdout.
 */

const url = process.env.BENCH_DB_URL!;
const file = process.env.BENCH_FILE!;
const batchSize = process.env.BENCH_BATCH_SIZE ? Number(process.env.BENCH_BATCH_SIZE) : undefined;
const format = process.env.BENCH_FORMAT as import('../src/commands/import/parse').ImportFormat | undefined;
const firebaseHashConfig = process.env.BENCH_FIREBASE_HASH_CONFIG
  ? (JSON.parse(process.env.BENCH_FIREBASE_HASH_CONFIG) as import('../src/commands/import/parse/firebase').FirebaseHashConfig)
  : undefined;

type RunImport = typeof import('../src/commands/import/run').runImport;
let runImport: RunImport;
try {
  const mod = (await import('../src/commands/import/run')) as { runImport?: RunImport };
  if (typeof mod.runImport !== 'function') childNotAvailable('src/commands/import/run.ts has no runImport export');
  runImport = mod.runImport;
} catch (err) {
  childNotAvailable(`the import pipeline (src/commands/import/run.ts) cannot be loaded: ${(err as Error).message.split('\n')[0]}`);
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-bench-import-'));
const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'warn', ROSTER_DATA_DIR: dataDir });
const rt = await openRuntime(config, createLogger('warn'));
try {
  await rt.projector.start();
  const head = await rt.store.headPosition();
  if (!(await rt.projector.waitFor(head, 600_000))) throw new Error('projections did not catch up with the existing events');
  const countEvents = async () => {
    const { rows } = await rt.db.pool.query<{ all: number; job: number }>(`select count(*)::int as all, count(*) filter (where stream_id like 'import-%')::int as job from events`);
    return rows[0]!;
  };
  const before = await countEvents();

  const rss = rssSampler(25);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await runImport(rt.store, file, {
    ...(batchSize ? { batchSize } : {}),
    ...(format ? { format } : {}),
    ...(firebaseHashConfig ? { firebaseHashConfig } : {}),
    fileName: path.basename(file),
  });
  const t1 = performance.now();
  const caughtUp = report.position ? await rt.projector.waitFor(report.position, 3_600_000) : true;
  const t2 = performance.now();
  const sampledPeak = rss.stop();
  const cpu = process.cpuUsage(cpu0);
  const after = await countEvents();
  if (report.status !== 'completed') throw new Error(`import ${report.status}: ${report.errors.map((e) => e.code).join(', ')}`);
  if (!caughtUp) throw new Error('projections did not catch up within an hour');

  const status = await rt.projector.status();
  childResult({
    durable_seconds: (t1 - t0) / 1000,
    catchup_seconds: (t2 - t1) / 1000,
    seconds: (t2 - t0) / 1000,
    // Node's own CPU time (all threads) over the run: well under the wall time means it waits on PostgreSQL.
    cpu_user_seconds: cpu.user / 1e6,
    cpu_system_seconds: cpu.system / 1e6,
    counts: report.counts,
    rows_read: report.progress.rows_read,
    events_appended: after.all - after.job - (before.all - before.job),
    job_events_appended: after.job - before.job,
    events_total: after.all,
    peak_rss_mib: Math.max(sampledPeak, vmHwmMiB() ?? 0),
    sampled_peak_rss_mib: sampledPeak,
    vmhwm_mib: vmHwmMiB() ?? null,
    projections: status.map((p) => ({ name: p.name, failed_events: (p as { failed_events?: number }).failed_events ?? null })),
  });
} finally {
  await closeWithin(() => rt.close());
  fs.rmSync(dataDir, { recursive: true, force: true });
}
