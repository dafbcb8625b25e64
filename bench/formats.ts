import path from 'node:path';
import { BENCH_DIR, ensureDataSet, fileMiB } from './data';
import { FIREBASE_HASH_CONFIG, ensureFormatFiles } from './formats-data';
import { seedAccess } from './import';
import { loadParser, parseOnce, passwordHook } from './parse';
import { NotAvailable, round, runChild, type Context } from './context';

/*
 * import.formats.<format>.*: one file per source format — the Kinde CSV and
 * NDJSON, Auth0's users and password exports, and Firebase, Keycloak, Supabase,
 * Clerk and Cognito exports of the same users (bench/formats-data.ts) — each
 * imported end to end (as import.*: a child process, the projections caught up)
 * into a fresh database holding the organizations, roles and permissions. One
 * run per format (the import.* rows give the repeated Kinde CSV figure).
 * auth0_passwords first gets its users from the Auth0 users file (not timed):
 * a password export only attaches passwords to users already there.
 *
 * users_per_s = records in the file / seconds end to end; parse_mib_per_s = the
 * parser alone on the same file (file bytes / s).
 */

export const FORMATS_USERS = 50_000;
export const BENCH_FORMATS = ['csv', 'kinde_ndjson', 'auth0', 'auth0_passwords', 'firebase', 'keycloak', 'supabase', 'clerk', 'cognito'] as const;
export type BenchFormat = (typeof BENCH_FORMATS)[number];

const CHILD = path.join(BENCH_DIR, 'import-child.ts');

interface ChildResult {
  seconds: number;
  durable_seconds: number;
  catchup_seconds: number;
  rows_read: number;
  counts: Record<string, number>;
  events_appended: number;
  peak_rss_mib: number;
}

function importChild(url: string, file: string, format: BenchFormat): Promise<ChildResult> {
  return runChild<ChildResult>(CHILD, {
    BENCH_DB_URL: url,
    BENCH_FILE: file,
    BENCH_FORMAT: format,
    ...(format === 'firebase' ? { BENCH_FIREBASE_HASH_CONFIG: JSON.stringify(FIREBASE_HASH_CONFIG) } : {}),
  });
}

export async function runFormats(ctx: Context): Promise<void> {
  try {
    await import('../src/commands/import/run');
  } catch (err) {
    throw new NotAvailable(`the import pipeline (src/commands/import/run.ts) cannot be loaded: ${(err as Error).message.split('\n')[0]}`);
  }
  const users = Math.min(ctx.options.users, FORMATS_USERS);
  const kinde = ctx.data.users === users ? ctx.data : await ensureDataSet(users, ctx.data.seed, (line) => ctx.log(line));
  const providers = await ensureFormatFiles(users, kinde.seed, kinde.pool, (line) => ctx.log(line));
  const files: Record<BenchFormat, string> = {
    csv: kinde.csv,
    kinde_ndjson: kinde.ndjson,
    auth0: kinde.auth0,
    auth0_passwords: kinde.auth0Passwords,
    firebase: providers.firebase,
    keycloak: providers.keycloak,
    supabase: providers.supabase,
    clerk: providers.clerk,
    cognito: providers.cognito,
  };
  const chosen = ctx.options.formats?.length ? BENCH_FORMATS.filter((f) => ctx.options.formats!.includes(f)) : BENCH_FORMATS;
  const parser = await loadParser();
  const hook = await passwordHook();
  const pgc = await ctx.postgres();
  ctx.results.set('import.formats.users', users);

  for (const format of chosen) {
    const file = files[format];
    const mib = fileMiB(file);
    const parseOptions = { format, ...(format === 'firebase' ? { firebaseHashConfig: FIREBASE_HASH_CONFIG } : {}) };
    await parseOnce(file, parser, hook, parseOptions); // warm-up
    const parsed = await parseOnce(file, parser, hook, parseOptions);

    const url = await pgc.database(`bench_formats_${format}`);
    await seedAccess(url);
    if (format === 'auth0_passwords') await importChild(url, kinde.auth0, 'auth0');
    const r = await importChild(url, file, format);
    const records = r.rows_read;
    ctx.results.set(`import.formats.${format}`, {
      users_per_s: round(records / r.seconds, 0),
      seconds: round(r.seconds, 3),
      durable_seconds: round(r.durable_seconds, 3),
      catchup_seconds: round(r.catchup_seconds, 3),
      records,
      file: path.basename(file),
      file_mib: round(mib, 2),
      parse_mib_per_s: round(mib / parsed.seconds, 1),
      peak_rss_mib: round(r.peak_rss_mib, 0),
      events_appended: r.events_appended,
      counts: r.counts,
    });
    ctx.log(
      `formats ${format}: ${records} records (${round(mib, 1)} MiB) in ${round(r.seconds, 2)} s = ${round(records / r.seconds, 0)} users/s end to end; parse ${round(mib / parsed.seconds, 1)} MiB/s; peak RSS ${round(r.peak_rss_mib, 0)} MiB; counts ${JSON.stringify(r.counts)}`,
    );
  }
}
