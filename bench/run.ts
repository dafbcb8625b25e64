import { parseArgs } from 'node:util';
import { runAppend } from './append';
import { BenchPostgres, NotAvailable, Results, quietLogger, type Context, type Json, type Options } from './context';
import { runCopy } from './copy';
import { ensureDataSet } from './data';
import { BENCH_FORMATS, runFormats } from './formats';
import { runImport } from './import';
import { runParse } from './parse';
import { runQueries } from './queries';
import { runCommands } from './commands';
import { runConsole } from './console';
import { runRebuild } from './rebuild';
import { computeRatios, evaluateTargets, markdownTable, writeJson } from './report';
import { runSignin } from './signin';

// Every process of a run (seeding, imports, servers, rebuilds) opens the same database:
// they must share the key that encrypts its signing keys (one per data directory otherwise).
process.env.ROSTER_SECRET_KEY ??= 'roster-bench-secret-key-not-for-production-0001';

/*
 * npm run bench -- [--users N] [--only NAME[,NAME]] [--quick] [--repeats K] [--keep] [--profile] [--formats F[,F]]
 *
 * Order matters: import fills the database that reimport, rebuild, queries and
 * commands then use. Every measurement is guarded: one whose feature is missing
 * prints "not available yet: <reason>" and the run goes on.
 */

interface Measurement {
  readonly name: string;
  /** Measurements whose state this one needs (run first when --only names this one). */
  readonly needs?: readonly string[];
  run(ctx: Context): Promise<void>;
}

const MEASUREMENTS: readonly Measurement[] = [
  { name: 'parse', run: runParse },
  { name: 'copy', run: runCopy },
  { name: 'append', run: runAppend },
  { name: 'import', run: runImport },
  { name: 'rebuild', needs: ['import'], run: runRebuild },
  { name: 'queries', needs: ['import'], run: runQueries },
  { name: 'commands', needs: ['import'], run: runCommands },
  { name: 'signin', run: runSignin },
  { name: 'console', needs: ['import'], run: runConsole },
  { name: 'formats', run: runFormats },
];

function options(): Options {
  const { values } = parseArgs({
    options: {
      users: { type: 'string' },
      only: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      repeats: { type: 'string' },
      keep: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      formats: { type: 'string', multiple: true },
    },
    allowPositionals: false,
  });
  const quick = values.quick ?? false;
  const users = values.users ? Number(values.users.replace(/[_,]/g, '')) : quick ? 50_000 : 1_000_000;
  if (!Number.isInteger(users) || users < 100) throw new Error('--users must be an integer >= 100');
  const only = (values.only ?? [])
    .flatMap((o) => o.split(','))
    .map((o) => o.trim())
    .filter(Boolean);
  for (const o of only) if (!MEASUREMENTS.some((m) => m.name === o)) throw new Error(`--only ${o}: unknown (known: ${MEASUREMENTS.map((m) => m.name).join(', ')})`);
  const repeats = values.repeats ? Number(values.repeats) : 3;
  const formats = (values.formats ?? [])
    .flatMap((o) => o.split(','))
    .map((o) => o.trim())
    .filter(Boolean);
  for (const f of formats) if (!(BENCH_FORMATS as readonly string[]).includes(f)) throw new Error(`--formats ${f}: unknown (known: ${BENCH_FORMATS.join(', ')})`);
  return { users, only, quick, repeats, keep: values.keep ?? false, profile: values.profile ?? false, formats };
}

async function main(): Promise<void> {
  const opts = options();
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const logger = quietLogger();
  const started = performance.now();
  log(`users=${opts.users} repeats=${opts.repeats}${opts.only.length ? ` only=${opts.only.join(',')}` : ''}`);

  const data = await ensureDataSet(opts.users, undefined, log);
  const results = new Results();
  results.set('users', opts.users);
  let pgPromise: Promise<BenchPostgres> | undefined;
  const ctx: Context = {
    options: opts,
    data,
    results,
    logger,
    log,
    state: {},
    postgres: () =>
      (pgPromise ??= BenchPostgres.start(logger).then((p) => {
        log(`embedded PostgreSQL in ${p.dir}`);
        return p;
      })),
  };

  const selected = new Set<string>();
  const add = (name: string) => {
    const m = MEASUREMENTS.find((x) => x.name === name)!;
    for (const n of m.needs ?? []) add(n);
    selected.add(name);
  };
  for (const m of MEASUREMENTS) if (opts.only.length === 0 || opts.only.includes(m.name)) add(m.name);

  const unavailable: Record<string, string> = {};
  const failed: Record<string, string> = {};
  const durations: Record<string, Json> = {};
  try {
    for (const m of MEASUREMENTS) {
      if (!selected.has(m.name)) continue;
      const missing = (m.needs ?? []).filter((n) => n in unavailable || n in failed);
      if (missing.length > 0) {
        unavailable[m.name] = `needs ${missing.join(', ')}, which did not run`;
        log(`${m.name}: not available yet: ${unavailable[m.name]}`);
        continue;
      }
      const t = performance.now();
      log(`--- ${m.name}`);
      try {
        await m.run(ctx);
      } catch (err) {
        if (err instanceof NotAvailable) {
          unavailable[m.name] = err.message;
          log(`${m.name}: not available yet: ${err.message}`);
        } else {
          failed[m.name] = (err as Error).stack ?? String(err);
          log(`${m.name}: FAILED: ${(err as Error).stack ?? String(err)}`);
        }
      }
      durations[m.name] = Math.round((performance.now() - t) / 100) / 10;
    }
  } finally {
    if (pgPromise) await (await pgPromise).stop(opts.keep).catch((err: unknown) => log(`stopping PostgreSQL: ${String(err)}`));
  }

  computeRatios(results);
  evaluateTargets(results);
  const file = writeJson(results, opts, {
    not_available: unavailable,
    failed: Object.fromEntries(Object.entries(failed).map(([k, v]) => [k, v.split('\n')[0]!])),
    seconds_per_measurement: durations,
    total_seconds: Math.round((performance.now() - started) / 1000),
  });
  process.stdout.write(`\n${markdownTable(results, unavailable, Object.fromEntries(Object.entries(failed).map(([k, v]) => [k, v.split('\n')[0]!])))}\n\n`);
  log(`results: ${file}`);
  if (Object.keys(failed).length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
