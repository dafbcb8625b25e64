import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childResult, closeWithin, rssSampler, vmHwmMiB } from './context';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { openRuntime } from '../src/runtime';

/*
 * Rebuilds every read model from the events with `projector.rebuild` (new
 * generations beside the live ones, one feed read for all, then a swap), in a
 * process of its own; then each read model alone, for the per-read-model figures.
 * Env: BENCH_DB_URL. Prints {"result": {...}}.
 */

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-bench-rebuild-'));
const rt = await openRuntime(loadConfig({ DATABASE_URL: process.env.BENCH_DB_URL!, LOG_LEVEL: 'warn', ROSTER_DATA_DIR: dataDir }), createLogger('warn'));
try {
  await rt.projector.start();
  if (!(await rt.projector.waitFor(await rt.store.headPosition(), 120_000))) throw new Error('projections did not catch up before the rebuild');
  const { events } = await rt.store.stats();
  const rss = rssSampler(25);
  const t0 = performance.now();
  await rt.projector.rebuild(rt.projector.projections.map((p) => p.name));
  const seconds = (performance.now() - t0) / 1000;
  const per: { name: string; seconds: number; events_per_s: number }[] = [];
  // Each read model alone too (BENCH_REBUILD_EACH): thirteen rebuilds, affordable at 50,000 users, not at a million.
  for (const p of process.env.BENCH_REBUILD_EACH ? rt.projector.projections : []) {
    const t = performance.now();
    await rt.projector.rebuild(p.name);
    const s = (performance.now() - t) / 1000;
    per.push({ name: p.name, seconds: s, events_per_s: events / s });
  }
  childResult({ events, projections: rt.projector.projections.length, seconds, per_projection: per, peak_rss_mib: Math.max(rss.stop(), vmHwmMiB() ?? 0) });
} finally {
  await closeWithin(() => rt.close());
  fs.rmSync(dataDir, { recursive: true, force: true });
}
