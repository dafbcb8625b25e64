import fs from 'node:fs';
import { NotAvailable, median, round, timed, type Context } from './context';
import { fileMiB } from './data';

/*
 * parse.*: the import parser alone (pass 2, `openImport`), file on disk -> batches
 * of validated records, with the password-format hook the import uses. MiB/s of
 * file bytes; the median of `repeats` runs.
 */

type ParseModule = typeof import('../src/commands/import/parse/parse');
type PasswordHook = NonNullable<import('../src/commands/import/parse/parse').ParseOptions['checkPasswordHash']>;

export async function loadParser(): Promise<ParseModule> {
  try {
    return await import('../src/commands/import/parse/parse');
  } catch (err) {
    throw new NotAvailable(`the import parser (src/commands/import/parse/parse.ts) cannot be loaded: ${(err as Error).message}`);
  }
}

/** src/passwords' format check, as the composition root hands it to the parser. */
export async function passwordHook(): Promise<PasswordHook | undefined> {
  try {
    const { parseStoredPassword } = await import('../src/passwords');
    return (p) => {
      const r = parseStoredPassword({
        hashed_password: p.hashedPassword,
        hashing_method: p.hashingMethod,
        salt: p.salt ?? null,
        salt_position: p.saltPosition ?? null,
        salt_format: p.saltFormat ?? null,
        params: p.params ?? null,
      });
      return r.ok ? null : r.reason;
    };
  } catch {
    return undefined;
  }
}

export async function parseOnce(
  file: string,
  parser: ParseModule,
  hook: PasswordHook | undefined,
  options: Pick<import('../src/commands/import/parse/parse').ParseOptions, 'format' | 'firebaseHashConfig'> = {},
): Promise<{ seconds: number; records: number; failed: number }> {
  const { value, seconds } = await timed(async () => {
    const p = await parser.openImport(fs.createReadStream(file, { highWaterMark: 1 << 20 }), { ...options, ...(hook ? { checkPasswordHash: hook } : {}) });
    let records = 0;
    let failed = 0;
    for await (const b of p.batches()) {
      records += b.records.length;
      failed += b.failed.length;
    }
    if (p.summary().errors.length > 0)
      throw new Error(
        `the parser rejected ${file}: ${p
          .summary()
          .errors.map((e) => e.code)
          .join(', ')}`,
      );
    return { records, failed };
  });
  return { ...value, seconds };
}

export async function runParse(ctx: Context): Promise<void> {
  const parser = await loadParser();
  const hook = await passwordHook();
  const files = [
    ['csv', ctx.data.csv],
    ['ndjson', ctx.data.ndjson],
    ['auth0', ctx.data.auth0],
  ] as const;
  // Warm-up: module loading, phone metadata and JIT are not parsing throughput.
  await parseOnce(ctx.data.csv, parser, hook);
  await parseOnce(ctx.data.ndjson, parser, hook);
  for (const [name, file] of files) {
    const mib = fileMiB(file);
    const runs: number[] = [];
    let last = { records: 0, failed: 0 };
    for (let k = 0; k < ctx.options.repeats; k++) {
      const r = await parseOnce(file, parser, hook);
      runs.push(r.seconds);
      last = r;
    }
    const s = median(runs);
    ctx.results.set(`parse.${name}_mib_per_s`, round(mib / s, 1));
    ctx.results.set(`parse.detail.${name}`, {
      file_mib: round(mib, 1),
      seconds_median: round(s, 3),
      runs: runs.map((x) => round(x, 3)),
      rows_per_s: round((last.records + last.failed) / s, 0),
      records: last.records,
      failed_rows: last.failed,
    });
    ctx.log(`parse ${name}: ${round(mib, 1)} MiB in ${round(s, 2)} s (median of ${runs.length}) = ${round(mib / s, 1)} MiB/s, ${last.records} records, ${last.failed} failed rows`);
  }
  if (!hook) ctx.results.set('parse.detail.note', 'src/passwords could not be loaded: parsed without the password-format hook');
}
