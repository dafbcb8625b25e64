import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, POOL_BCRYPT_COST, userAt, type PoolMethod } from './data';
import { NotAvailable, median, round, runChild, timed, type Context } from './context';
import { startServer } from './server';

/*
 * signin.*:
 * - signin.<method>.per_s: verifications per second of src/passwords' worker pool
 *   (one thread per core), the correct password against hashes of the pool, for
 *   each method; median of `repeats` runs of a few seconds each.
 * - signin.health_p99_ms: GET /health p99 (one request after another, from its
 *   own process) while another process drives POST /api/v1/sign_in/password for
 *   imported bcrypt users at full speed; health_idle_p99_ms is the same without
 *   the storm, and http_bcrypt_per_s the sign-ins answered meanwhile.
 */

const METHODS: readonly PoolMethod[] = ['bcrypt', 'md5', 'sha256', 'crypt'];

export async function runSignin(ctx: Context): Promise<void> {
  let passwords: typeof import('../src/passwords');
  try {
    passwords = await import('../src/passwords');
  } catch (err) {
    throw new NotAvailable(`src/passwords cannot be loaded: ${(err as Error).message}`);
  }
  const threads = os.cpus().length;
  const verifier = passwords.createPasswordVerifier({ threads, bcryptCost: POOL_BCRYPT_COST, maxQueue: 256 });
  try {
    for (const method of METHODS) {
      const entries = ctx.data.pool
        .filter((p) => p.method === method)
        .map((p) => {
          const parsed = passwords.parseStoredPassword({
            hashed_password: p.hashed_password,
            hashing_method: p.method,
            salt: p.salt ?? null,
            salt_position: p.salt_position ?? null,
            salt_format: p.salt_format ?? null,
          });
          if (!parsed.ok) throw new Error(`pool hash (${p.tool}) rejected: ${parsed.code}`);
          return { stored: parsed.password, plain: p.plain };
        });
      const seconds = method === 'bcrypt' ? 4 : 2;
      const runs: number[] = [];
      for (let k = 0; k < ctx.options.repeats; k++) {
        let done = 0;
        let wrong = 0;
        const { seconds: took } = await timed(async () => {
          const deadline = performance.now() + seconds * 1000;
          let next = 0;
          await Promise.all(
            Array.from({ length: threads * 4 }, async () => {
              while (performance.now() < deadline) {
                const e = entries[next++ % entries.length]!;
                if (await verifier.verify(e.stored, e.plain)) done++;
                else wrong++;
              }
            }),
          );
        });
        if (wrong > 0) throw new Error(`${wrong} correct ${method} passwords did not verify`);
        runs.push(done / took);
      }
      ctx.results.set(`signin.${method}.per_s`, round(median(runs), 0));
      ctx.log(`verify ${method}: ${round(median(runs), 0)}/s (runs ${runs.map((x) => round(x, 0)).join(', ')}; ${threads} threads)`);
    }
    ctx.results.set('signin.detail.threads', threads);
    ctx.results.set('signin.detail.bcrypt_cost', POOL_BCRYPT_COST);
  } finally {
    await verifier.close();
  }
  await healthDuringStorm(ctx);
}

interface Stats {
  n: number;
  errors: number;
  p50_ms: number;
  p99_ms: number;
  statuses: Record<string, number>;
  per_s?: number;
  first_error?: string | null;
}

async function healthDuringStorm(ctx: Context): Promise<void> {
  const url = ctx.state.rosterUrl;
  if (!url) {
    ctx.results.set('signin.detail.health_note', 'not measured: needs the imported database (import not available)');
    return;
  }
  const credentials: { identity: string; password: string }[] = [];
  for (let i = 0; credentials.length < 200 && i < ctx.data.users; i++) {
    const u = userAt(ctx.data.seed, i, ctx.data.pool);
    if (u.invalid === null && u.email && u.password?.method === 'bcrypt') credentials.push({ identity: u.email, password: u.password.plain });
  }
  const server = await startServer(url);
  const child = path.join(BENCH_DIR, 'load-child.ts');
  const env = { BENCH_BASE_URL: server.baseUrl, BENCH_CLIENT_ID: server.clientId, BENCH_CLIENT_SECRET: server.clientSecret };
  try {
    const idle = await runChild<Stats>(child, { ...env, BENCH_SCENARIO: JSON.stringify({ kind: 'health', seconds: 5 }) });
    const stormSeconds = 15;
    const storm = runChild<Stats>(child, { ...env, BENCH_SCENARIO: JSON.stringify({ kind: 'signin', concurrency: 16, seconds: stormSeconds, credentials }) });
    // The prober starts once the storm is under way and stops before it ends.
    await new Promise((r) => setTimeout(r, 2000));
    const during = await runChild<Stats>(child, { ...env, BENCH_SCENARIO: JSON.stringify({ kind: 'health', seconds: stormSeconds - 5 }) });
    const s = await storm;
    if ((s.statuses['404'] ?? 0) > 0) throw new NotAvailable('POST /api/v1/sign_in/password answers 404');
    ctx.results.set('signin.health_p99_ms', round(during.p99_ms, 2));
    ctx.results.set('signin.health_p50_ms', round(during.p50_ms, 2));
    ctx.results.set('signin.health_idle_p99_ms', round(idle.p99_ms, 2));
    ctx.results.set('signin.http_bcrypt_per_s', round(s.per_s ?? 0, 0));
    ctx.results.set('signin.detail.storm', {
      concurrency: 16,
      seconds: stormSeconds,
      answered: s.n,
      p50_ms: round(s.p50_ms, 1),
      p99_ms: round(s.p99_ms, 1),
      statuses: s.statuses,
      first_error: s.first_error ?? null,
      health_requests: during.n,
      health_errors: during.errors,
    });
    ctx.log(
      `health idle p99 ${round(idle.p99_ms, 2)} ms; during bcrypt storm p50 ${round(during.p50_ms, 2)} ms, p99 ${round(during.p99_ms, 2)} ms (${during.n} probes); storm ${round(s.per_s ?? 0, 0)} sign-ins/s ${JSON.stringify(s.statuses)}${s.first_error ? ` first error: ${s.first_error}` : ''}`,
    );
  } finally {
    await server.stop();
  }
}
