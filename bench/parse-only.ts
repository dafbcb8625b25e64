import { ensureDataSet, fileMiB } from './data';
import { loadParser, parseOnce, passwordHook } from './parse';

/*
 * The parse.* measurement alone, without PostgreSQL or the rest of the harness:
 *   node --import tsx bench/parse-only.ts [--users 20000] [--repeats 5]
 * Same data generator, same `parseOnce` (openImport with the password-format hook)
 * as bench/parse.ts; prints MiB/s per file (median of the repeats).
 */

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

const users = arg('users', 20_000);
const repeats = arg('repeats', 5);
const data = await ensureDataSet(users, undefined, (s) => console.log(s));
const parser = await loadParser();
const hook = await passwordHook();
await parseOnce(data.csv, parser, hook);
await parseOnce(data.ndjson, parser, hook);
for (const [name, file] of [
  ['csv', data.csv],
  ['ndjson', data.ndjson],
  ['auth0', data.auth0],
] as const) {
  const runs: number[] = [];
  let last = { records: 0, failed: 0 };
  for (let k = 0; k < repeats; k++) {
    const r = await parseOnce(file, parser, hook);
    runs.push(r.seconds);
    last = r;
  }
  runs.sort((a, b) => a - b);
  const s = runs[Math.floor(runs.length / 2)]!;
  const mib = fileMiB(file);
  console.log(
    `${name}: ${mib.toFixed(1)} MiB, median ${(s * 1000).toFixed(0)} ms = ${(mib / s).toFixed(1)} MiB/s (best ${(mib / runs[0]!).toFixed(1)}), ${last.records} records, ${last.failed} failed`,
  );
}
