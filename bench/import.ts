import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, DATA_DIR, fileMiB } from './data';
import { summariseProfile } from './profile';
import { NotAvailable, median, quietLogger, round, runChild, type Context } from './context';

/*
 * import.*: the Kinde CSV imported end to end (validate pass, parse, decide, one
 * multi-stream append per batch, projections caught up), each run in a child
 * process into a fresh database that already holds the organizations, roles and
 * permissions the file names. `durable_seconds`: until runImport returned (events
 * committed); `catchup_seconds`: from then until every projection reached the
 * import's last position. Median of `repeats` runs; the last database stays for
 * reimport, rebuild, queries and commands.
 *
 * reimport.*: the same file again on that database: users/s and the events
 * appended outside the job's own stream (must be 0).
 */

const CHILD = path.join(BENCH_DIR, 'import-child.ts');

interface ChildResult {
  durable_seconds: number;
  catchup_seconds: number;
  seconds: number;
  counts: Record<string, number>;
  rows_read: number;
  events_appended: number;
  job_events_appended: number;
  events_total: number;
  peak_rss_mib: number;
  cpu_user_seconds: number;
  cpu_system_seconds: number;
  /** Filled in by the parent. */
  postgres_cpu_seconds?: number;
  sampled_peak_rss_mib: number;
  vmhwm_mib: number | null;
}

export const ORG_COUNT = 200;
export const ROLE_KEYS = ['admin', 'manager', 'member', 'viewer', 'billing', 'support'];
export const PERMISSION_KEYS = ['read:users', 'write:users', 'read:billing', 'write:billing', 'read:reports', 'manage:orgs', 'export:data'];

/** The organizations, roles and permissions the data set refers to (not timed). */
export async function seedAccess(url: string): Promise<void> {
  const { loadConfig } = await import('../src/config');
  const { openRuntime } = await import('../src/runtime');
  const { createContext } = await import('../src/commands/context');
  const orgs = await import('../src/commands/organizations');
  const roles = await import('../src/commands/roles');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-bench-seed-'));
  const rt = await openRuntime(loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'warn', ROSTER_DATA_DIR: dataDir }), quietLogger());
  try {
    const ctx = createContext({ actor: { type: 'system' }, source: 'system' });
    await orgs.ensureDefaults(rt.store, ctx);
    const permissionIds: string[] = [];
    for (const key of PERMISSION_KEYS) permissionIds.push((await roles.createPermission(rt.store, ctx, { key, name: key })).permissionId);
    for (const [k, key] of ROLE_KEYS.entries()) {
      await roles.createRole(rt.store, ctx, { key, name: key, permissionIds: permissionIds.slice(0, 1 + (k % permissionIds.length)) });
    }
    for (let o = 0; o < ORG_COUNT; o++) await orgs.createOrganization(rt.store, ctx, { name: `Organization ${o}`, externalId: `org_${o}` });
  } finally {
    await rt.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function importOnce(url: string, file: string, profileDir?: string): Promise<ChildResult> {
  return runChild<ChildResult>(CHILD, { BENCH_DB_URL: url, BENCH_FILE: file }, profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {});
}

export async function runImport(ctx: Context): Promise<void> {
  try {
    await import('../src/commands/import/run');
  } catch (err) {
    throw new NotAvailable(`the import pipeline (src/commands/import/run.ts) cannot be loaded: ${(err as Error).message.split('\n')[0]}`);
  }
  const pgc = await ctx.postgres();
  const file = ctx.data.csv;
  const users = ctx.data.users;
  const runs: ChildResult[] = [];
  let url = '';
  for (let k = 0; k < ctx.options.repeats + (ctx.options.profile && ctx.options.repeats > 1 ? 1 : 0); k++) {
    url = await pgc.database(`bench_roster_${k}`);
    await seedAccess(url);
    const from = new Date().toISOString();
    // Profiling slows the run: only the first run is profiled, and its time is not counted when there are others.
    const profileDir = ctx.options.profile && k === 0 ? fs.mkdtempSync(path.join(DATA_DIR, 'profile-import-')) : undefined;
    const pgCpu0 = pgc.cpuSeconds();
    const r = await importOnce(url, file, profileDir);
    r.postgres_cpu_seconds = pgc.cpuSeconds() - pgCpu0;
    if (profileDir) {
      const prof = fs.readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (prof) {
        const summary = summariseProfile(path.join(profileDir, prof));
        ctx.results.set('import.profile', { ...summary, file: path.relative(BENCH_DIR, path.join(profileDir, prof)) });
        ctx.log(`import profile (${path.relative(process.cwd(), profileDir)}): ${JSON.stringify(summary.by_area)}`);
      }
      if (ctx.options.repeats > 1) {
        ctx.log(`import run 1 (profiled, not counted): ${round(r.seconds, 2)} s`);
        continue;
      }
    }
    ctx.state.importWindow = { from, to: new Date().toISOString() };
    runs.push(r);
    ctx.log(
      `import run ${k + 1}: ${round(r.seconds, 2)} s end to end (durable ${round(r.durable_seconds, 2)} s + catch-up ${round(r.catchup_seconds, 2)} s), ${round(users / r.seconds, 0)} users/s, peak RSS ${round(r.peak_rss_mib, 0)} MiB, CPU node ${round(r.cpu_user_seconds + r.cpu_system_seconds, 1)} s / postgres ${round(r.postgres_cpu_seconds ?? NaN, 1)} s, ${r.events_appended} events, counts ${JSON.stringify(r.counts)}`,
    );
  }
  const seconds = median(runs.map((r) => r.seconds));
  const last = runs.at(-1)!;
  ctx.state.rosterUrl = url;
  ctx.state.importedEvents = last.events_total;
  ctx.results.set('import.users_per_s', round(users / seconds, 0));
  ctx.results.set('import.seconds', round(seconds, 3));
  ctx.results.set('import.durable_seconds', round(median(runs.map((r) => r.durable_seconds)), 3));
  ctx.results.set('import.catchup_seconds', round(median(runs.map((r) => r.catchup_seconds)), 3));
  ctx.results.set('import.peak_rss_mib', round(Math.max(...runs.map((r) => r.peak_rss_mib)), 0));
  ctx.results.set('import.file_mib', round(fileMiB(file), 2));
  ctx.results.set('import.events_appended', last.events_appended);
  ctx.results.set('import.events_per_s', round(last.events_appended / seconds, 0));
  // Every event the import appended (user events and the job's own), per user in the file.
  ctx.results.set('import.events_per_user', round((last.events_appended + last.job_events_appended) / users, 2));
  ctx.results.set('import.detail', {
    file: path.basename(file),
    runs_seconds: runs.map((r) => round(r.seconds, 3)),
    counts: last.counts,
    vmhwm_mib: last.vmhwm_mib === null ? null : round(last.vmhwm_mib, 0),
    sampled_peak_rss_mib: round(last.sampled_peak_rss_mib, 0),
    job_events_appended: last.job_events_appended,
    node_cpu_seconds: round(last.cpu_user_seconds + last.cpu_system_seconds, 2),
    node_cpu_share_of_wall: round((last.cpu_user_seconds + last.cpu_system_seconds) / last.seconds, 2),
    postgres_cpu_seconds: round(last.postgres_cpu_seconds ?? NaN, 2),
    postgres_cpu_share_of_wall: round((last.postgres_cpu_seconds ?? NaN) / last.seconds, 2),
  });

  // Re-import of the unchanged file.
  const re: ChildResult[] = [];
  for (let k = 0; k < ctx.options.repeats; k++) {
    const pgCpu0 = pgc.cpuSeconds();
    const r = await importOnce(url, file);
    r.postgres_cpu_seconds = pgc.cpuSeconds() - pgCpu0;
    re.push(r);
    ctx.log(
      `reimport run ${k + 1}: ${round(r.seconds, 2)} s, ${round(users / r.seconds, 0)} users/s, ${r.events_appended} user events appended (+${r.job_events_appended} job events), counts ${JSON.stringify(r.counts)}`,
    );
  }
  const reSeconds = median(re.map((r) => r.seconds));
  ctx.results.set('reimport.users_per_s', round(users / reSeconds, 0));
  ctx.results.set('reimport.seconds', round(reSeconds, 3));
  ctx.results.set('reimport.events_appended', Math.max(...re.map((r) => r.events_appended)));
  ctx.results.set('reimport.peak_rss_mib', round(Math.max(...re.map((r) => r.peak_rss_mib)), 0));
  const lr = re.at(-1)!;
  ctx.results.set('reimport.detail', {
    runs_seconds: re.map((r) => round(r.seconds, 3)),
    job_events_appended: lr.job_events_appended,
    counts: lr.counts,
    node_cpu_share_of_wall: round((lr.cpu_user_seconds + lr.cpu_system_seconds) / lr.seconds, 2),
    postgres_cpu_share_of_wall: round((lr.postgres_cpu_seconds ?? NaN) / lr.seconds, 2),
  });
}
