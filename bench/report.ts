import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { round, type Json, type Options, type Results } from './context';
import { BENCH_DIR } from './data';
import { BENCH_FORMATS } from './formats';

/*
 * The report: ratios measured in the same run, targets from issue 12 and whether
 * each is met, the machine, a Markdown table (stdout) and the JSON file
 * bench/results/<date>-<shortcommit>.json.
 */

interface Target {
  readonly key: string;
  readonly op: '>=' | '<=' | '==';
  readonly value: number;
  readonly label: string;
}

/** Issue 12's "must reach" column (issue 9's goals were stricter; they are the goals after these). */
export const TARGETS: readonly Target[] = [
  { key: 'import.users_per_s', op: '>=', value: 10_000, label: 'import end to end' },
  { key: 'ratios.import_vs_copy', op: '<=', value: 12, label: 'import within 12x of raw COPY' },
  { key: 'import.peak_rss_mib', op: '<=', value: 512, label: 'peak RSS of the import' },
  { key: 'reimport.users_per_s', op: '>=', value: 40_000, label: 're-import of the unchanged file' },
  { key: 'reimport.events_appended', op: '==', value: 0, label: 're-import appends nothing' },
  { key: 'rebuild.events_per_s', op: '>=', value: 25_000, label: 'rebuild of all read models' },
  { key: 'append.bulk_events_per_s', op: '>=', value: 60_000, label: 'bulk append' },
  { key: 'ratios.append_per_stream_vs_emmett', op: '>=', value: 1.5, label: 'append, one stream per call, vs Emmett' },
  { key: 'queries.users_list.p99_ms', op: '<=', value: 20, label: 'user list p99' },
  { key: 'queries.audit.p99_ms', op: '<=', value: 50, label: 'audit log p99' },
  { key: 'signin.health_p99_ms', op: '<=', value: 50, label: 'GET /health p99 during a bcrypt storm' },
  { key: 'signin.bcrypt.per_s', op: '>=', value: 45, label: 'bcrypt cost 10 verifications' },
  { key: 'commands.per_s', op: '>=', value: 1_000, label: 'single-event commands, 16 clients' },
  { key: 'commands.p50_ms', op: '<=', value: 10, label: 'command p50, 16 clients' },
  { key: 'commands.p99_ms', op: '<=', value: 40, label: 'command p99, 16 clients' },
  { key: 'commands.single_client_p50_ms', op: '<=', value: 4, label: 'command p50, one client' },
  { key: 'parse.csv_mib_per_s', op: '>=', value: 60, label: 'CSV parsing' },
  { key: 'parse.ndjson_mib_per_s', op: '>=', value: 60, label: 'NDJSON parsing' },
  // Issue 14: first paint of any console page ≤ 1 s (here: until the page's data is on screen).
  { key: 'console.worst_ready_ms', op: '<=', value: 1000, label: 'console page, data on screen' },
  // Issue 15: every source format within the import target (bench/formats.ts, 50,000 users each).
  ...BENCH_FORMATS.map((f) => ({ key: `import.formats.${f}.users_per_s`, op: '>=' as const, value: 10_000, label: `import end to end, ${f} export` })),
];

/** Ratios from figures of this run. */
export function computeRatios(r: Results): void {
  const importSeconds = r.num('import.seconds');
  const copySeconds = r.num('baselines.copy_seconds');
  if (importSeconds !== undefined && copySeconds !== undefined && copySeconds > 0) r.set('ratios.import_vs_copy', round(importSeconds / copySeconds, 2));
  const emmett = r.num('baselines.emmett_append_events_per_s');
  const bulk = r.num('append.bulk_events_per_s');
  const single = r.num('append.per_stream_events_per_s');
  if (emmett && bulk !== undefined) r.set('ratios.append_vs_emmett', round(bulk / emmett, 2));
  if (emmett && single !== undefined) r.set('ratios.append_per_stream_vs_emmett', round(single / emmett, 2));
  const csvMiBs = r.num('parse.csv_mib_per_s');
  const importFileMiB = r.num('import.file_mib');
  if (csvMiBs && importFileMiB !== undefined && importSeconds) r.set('ratios.parse_share_of_import', round(importFileMiB / csvMiBs / importSeconds, 3));
}

export function evaluateTargets(r: Results): void {
  for (const t of TARGETS) {
    const v = r.num(t.key);
    const met = v === undefined ? null : t.op === '>=' ? v >= t.value : t.op === '<=' ? v <= t.value : v === t.value;
    r.set(`targets.${t.key.replace(/\./g, '__')}`, { key: t.key, target: `${t.op} ${t.value}`, value: v ?? null, met });
  }
}

export function machine(): Record<string, Json> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? 'unknown',
    memory_gib: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadavg_at_start: os.loadavg().map((x) => round(x, 2)),
  };
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: BENCH_DIR, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Whether the code a run measures differs from its commit: src/ or bench/ changed,
 * or HEAD moved, between the start of the run and its end (children load the code
 * as they start).
 * Pathspecs from the top of the repository: `git` runs in bench/. Not bench/results:
 * the results of earlier runs, not yet committed, are not code.
 */
const dirtyNow = () => git(['status', '--porcelain', '--', ':/src', ':/bench', ':(top,exclude)bench/results']) !== '';
const dirtyAtStart = dirtyNow();
/** The commit the run started on (a commit made during the run is not what it measured). */
const commitAtStart = git(['rev-parse', '--short', 'HEAD']);

function fmt(v: Json | undefined): string {
  if (v === undefined || v === null) return '—';
  if (typeof v === 'number') return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The rows of the table: every target key plus the other headline figures. */
const SHOWN: readonly string[] = [
  'users',
  'import.users_per_s',
  'import.seconds',
  'import.durable_seconds',
  'import.catchup_seconds',
  'import.events_per_user',
  'import.peak_rss_mib',
  'reimport.users_per_s',
  'reimport.events_appended',
  'rebuild.events_per_s',
  'queries.users_list.p50_ms',
  'queries.users_list.p99_ms',
  'queries.audit.p50_ms',
  'queries.audit.p99_ms',
  'commands.per_s',
  'commands.p50_ms',
  'commands.p99_ms',
  'commands.single_client_p50_ms',
  'parse.csv_mib_per_s',
  'parse.ndjson_mib_per_s',
  'parse.auth0_mib_per_s',
  'signin.bcrypt.per_s',
  'signin.md5.per_s',
  'signin.sha256.per_s',
  'signin.crypt.per_s',
  'signin.health_p99_ms',
  'baselines.copy_seconds',
  'baselines.emmett_append_events_per_s',
  'append.bulk_events_per_s',
  'append.per_stream_events_per_s',
  'ratios.import_vs_copy',
  'ratios.append_vs_emmett',
  'ratios.append_per_stream_vs_emmett',
  'ratios.parse_share_of_import',
  'console.worst_fcp_ms',
  'console.worst_ready_ms',
  'import.formats.users',
  ...BENCH_FORMATS.flatMap((f) => [`import.formats.${f}.users_per_s`, `import.formats.${f}.parse_mib_per_s`]),
];

export function markdownTable(r: Results, unavailable: Record<string, string>, failed: Record<string, string> = {}): string {
  const lines = ['| figure | value | target | met |', '| --- | ---: | --- | --- |'];
  for (const key of SHOWN) {
    const t = TARGETS.find((x) => x.key === key);
    const v = r.get(key);
    const met = t ? (v === undefined ? '' : r.get(`targets.${key.replace(/\./g, '__')}.met`) ? 'yes' : 'no') : '';
    lines.push(`| \`${key}\` | ${fmt(v)} | ${t ? `${t.op} ${t.value.toLocaleString('en-US')}` : ''} | ${met} |`);
  }
  const notes = [...Object.entries(unavailable).map(([name, why]) => `- ${name}: not available yet: ${why}`), ...Object.entries(failed).map(([name, why]) => `- ${name}: FAILED: ${why}`)];
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

export function writeJson(r: Results, options: Options, extra: Record<string, Json>): string {
  const commit = commitAtStart;
  const dirty = dirtyAtStart || dirtyNow() || git(['rev-parse', '--short', 'HEAD']) !== commit;
  const date = new Date().toISOString().slice(0, 10);
  const dir = path.join(BENCH_DIR, 'results');
  fs.mkdirSync(dir, { recursive: true });
  // A second run of the same commit on the same day gets its own file (-2, -3, …), never the first one's.
  let file = path.join(dir, `${date}-${commit}.json`);
  for (let n = 2; fs.existsSync(file); n++) file = path.join(dir, `${date}-${commit}-${n}.json`);
  const doc = {
    users: options.users,
    ...r.data,
    run: { date: new Date().toISOString(), commit, working_tree_dirty: dirty, quick: options.quick, only: [...options.only], repeats: options.repeats, ...extra },
    machine: machine(),
  };
  fs.writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  return file;
}
