import path from 'node:path';
import { BENCH_DIR } from './data';
import { NotAvailable, median, round, runChild, type Context } from './context';
import { startServer } from './server';

/*
 * commands.*: single-event commands over HTTP: POST /api/v1/user (a new user with
 * one email identity) from 16 concurrent clients in a separate process, against
 * `roster serve` on the imported database, synchronous commit on (PostgreSQL's
 * default). The response leaves once the read models have the write
 * (read-your-writes), as the API does. Median of `repeats` runs.
 */

interface ChildResult {
  n: number;
  errors: number;
  p50_ms: number;
  p99_ms: number;
  per_s: number;
  seconds: number;
  statuses: Record<string, number>;
  first_error: string | null;
}

export async function runCommands(ctx: Context): Promise<void> {
  const url = ctx.state.rosterUrl;
  if (!url) throw new NotAvailable('needs the imported database');
  const server = await startServer(url);
  const runs: ChildResult[] = [];
  let single: ChildResult | undefined;
  let cold: ChildResult | undefined;
  const load = (concurrency: number, seconds: number, tag: string) =>
    runChild<ChildResult>(
      path.join(BENCH_DIR, 'load-child.ts'),
      {
        BENCH_BASE_URL: server.baseUrl,
        BENCH_CLIENT_ID: server.clientId,
        BENCH_CLIENT_SECRET: server.clientSecret,
        BENCH_SCENARIO: JSON.stringify({ kind: 'commands', concurrency, seconds, count: 50_000, tag: `${Date.now().toString(36)}-${tag}` }),
      },
      { timeoutSeconds: 600 },
    );
  try {
    // A fresh server spends its first seconds compiling the request path (V8's optimizing compiler
    // took a quarter of the server's CPU 12 s in): one run at 16 clients warms it up first, and is
    // kept as `commands.cold` (what the measurement was before 2 December: a cold server).
    cold = await load(16, ctx.options.quick ? 10 : 30, 'warm-up');
    ctx.log(`commands, warm-up (cold server), 16 clients: ${round(cold.per_s, 0)}/s, p50 ${round(cold.p50_ms, 1)} ms, p99 ${round(cold.p99_ms, 1)} ms`);
    // One client: the cost of one command without queueing behind others.
    single = await load(1, 5, 'single');
    ctx.log(`commands, 1 client: ${round(single.per_s, 0)}/s, p50 ${round(single.p50_ms, 1)} ms, p99 ${round(single.p99_ms, 1)} ms`);
    for (let k = 0; k < ctx.options.repeats; k++) {
      const r = await load(16, ctx.options.quick ? 10 : 30, String(k)).catch((failure: unknown) => {
        const err = failure as Error;
        if (/: 404 /.test(err.message)) throw new NotAvailable(`POST /api/v1/user answers 404`);
        throw err;
      });
      runs.push(r);
      ctx.log(
        `commands run ${k + 1}: ${r.n} in ${round(r.seconds, 1)} s = ${round(r.per_s, 0)}/s, p50 ${round(r.p50_ms, 1)} ms, p99 ${round(r.p99_ms, 1)} ms, ${r.errors} errors ${JSON.stringify(r.statuses)}${r.first_error ? ` first: ${r.first_error}` : ''}`,
      );
    }
  } finally {
    await server.stop();
  }
  ctx.results.set('commands.per_s', round(median(runs.map((r) => r.per_s)), 0));
  ctx.results.set('commands.p50_ms', round(median(runs.map((r) => r.p50_ms)), 2));
  ctx.results.set('commands.p99_ms', round(median(runs.map((r) => r.p99_ms)), 2));
  if (single) {
    ctx.results.set('commands.single_client', { per_s: round(single.per_s, 0), p50_ms: round(single.p50_ms, 2), p99_ms: round(single.p99_ms, 2) });
    ctx.results.set('commands.single_client_p50_ms', round(single.p50_ms, 2));
  }
  if (cold) ctx.results.set('commands.cold', { per_s: round(cold.per_s, 0), p50_ms: round(cold.p50_ms, 2), p99_ms: round(cold.p99_ms, 2) });
  ctx.results.set('commands.detail', {
    concurrency: 16,
    command: 'POST /api/v1/user',
    runs: runs.map((r) => ({ n: r.n, per_s: round(r.per_s, 0), p50_ms: round(r.p50_ms, 2), p99_ms: round(r.p99_ms, 2), errors: r.errors })),
  });
}
