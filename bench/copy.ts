import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { NotAvailable, median, round, timed, type Context } from './context';

/*
 * baselines.copy_seconds: the physical limit. The valid users of the same data set
 * (the facts an import stores: id, identities, names, organizations with roles and
 * permissions, password) streamed with PostgreSQL COPY into one plain table with a
 * primary key, in one transaction. Median of `repeats` runs into a fresh table.
 */

export async function runCopy(ctx: Context): Promise<void> {
  let copyFrom: typeof import('pg-copy-streams').from;
  try {
    copyFrom = (await import('pg-copy-streams')).from;
  } catch (err) {
    throw new NotAvailable(`pg-copy-streams is not installed (${(err as Error).message})`);
  }
  const url = await (await ctx.postgres()).database('bench_copy');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const runs: number[] = [];
    let rows = 0;
    for (let k = 0; k < ctx.options.repeats; k++) {
      await client.query('drop table if exists bench_users');
      await client.query(`create table bench_users (
        id text primary key, email text, phone text, username text, first_name text, last_name text,
        email_verified boolean, organizations jsonb, password jsonb)`);
      const { seconds } = await timed(async () => {
        await client.query('begin');
        const sink = client.query(copyFrom('copy bench_users from stdin'));
        await pipeline(fs.createReadStream(ctx.data.copyTsv, { highWaterMark: 1 << 20 }), sink);
        rows = sink.rowCount;
        await client.query('commit');
      });
      runs.push(seconds);
    }
    const s = median(runs);
    ctx.results.set('baselines.copy_seconds', round(s, 3));
    ctx.results.set('baselines.copy_rows_per_s', round(rows / s, 0));
    ctx.results.set('baselines.detail.copy', { rows, runs: runs.map((x) => round(x, 3)) });
    ctx.log(`COPY baseline: ${rows} rows in ${round(s, 2)} s (median of ${runs.length}) = ${round(rows / s, 0)} rows/s`);
  } finally {
    await client.end();
  }
}
