import path from 'node:path';
import { BENCH_DIR } from './data';
import { NotAvailable, median, round, runChild, type Context } from './context';

/*
 * rebuild.events_per_s: every read model rebuilt from the events the import left,
 * all at once (one feed read, the projector's lanes side by side); events/s =
 * events in the store / the time to rebuild all of them (so it falls as read
 * models are added). Up to 200,000 users, also each read model alone.
 * Median of `repeats` runs, each in a child process.
 */

interface ChildResult {
  events: number;
  projections: number;
  seconds: number;
  per_projection: { name: string; seconds: number; events_per_s: number }[];
  peak_rss_mib: number;
}

export async function runRebuild(ctx: Context): Promise<void> {
  const url = ctx.state.rosterUrl;
  if (!url) throw new NotAvailable('needs the imported database');
  const runs: ChildResult[] = [];
  for (let k = 0; k < ctx.options.repeats; k++) {
    const each = ctx.options.users <= 200_000;
    const r = await runChild<ChildResult>(path.join(BENCH_DIR, 'rebuild-child.ts'), { BENCH_DB_URL: url, ...(each ? { BENCH_REBUILD_EACH: '1' } : {}) }, { timeoutSeconds: 3600 });
    if (r.projections === 0) throw new NotAvailable('no projections are registered in src/projections/index.ts');
    runs.push(r);
    ctx.log(
      `rebuild run ${k + 1}: ${r.projections} read models, ${r.events} events in ${round(r.seconds, 2)} s = ${round(r.events / r.seconds, 0)} events/s (${r.per_projection.map((p) => `${p.name} ${round(p.events_per_s, 0)}/s`).join(', ')})`,
    );
  }
  const seconds = median(runs.map((r) => r.seconds));
  const events = runs[0]!.events;
  ctx.results.set('rebuild.events_per_s', round(events / seconds, 0));
  ctx.results.set('rebuild.seconds', round(seconds, 3));
  ctx.results.set('rebuild.events', events);
  ctx.results.set('rebuild.read_models', runs[0]!.projections);
  ctx.results.set('rebuild.peak_rss_mib', round(Math.max(...runs.map((r) => r.peak_rss_mib)), 0));
  const names = runs[0]!.per_projection.map((p) => p.name);
  if (names.length > 0)
    ctx.results.set('rebuild.per_read_model_events_per_s', Object.fromEntries(names.map((n) => [n, round(median(runs.map((r) => r.per_projection.find((p) => p.name === n)!.events_per_s)), 0)])));
}
