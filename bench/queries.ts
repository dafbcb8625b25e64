import path from 'node:path';
import { BENCH_DIR, userAt } from './data';
import { NotAvailable, round, runChild, type Context } from './context';
import { startServer } from './server';

/*
 * queries.*: `roster serve` on the imported database; a separate process sends
 * each query 1,000 times one after another (after a warm-up) and reports p50/p99:
 * users first page, a deep keyset page (past half the users), filter by email,
 * sort by name; audit log by user and by a time range inside the import.
 * Headline: users_list.p50_ms = median of the four user-list kinds' p50,
 * users_list.p99_ms = the worst kind's p99 (audit alike); every kind is in detail.
 */

type Kind = { n: number; errors: number; p50_ms: number; p99_ms: number; statuses: Record<string, number> };
interface ChildResult {
  kinds: Record<string, Kind>;
  deep_page_after_users: number | null;
}

export async function runQueries(ctx: Context): Promise<void> {
  const url = ctx.state.rosterUrl;
  if (!url) throw new NotAvailable('needs the imported database');
  const emails: string[] = [];
  for (let i = 0; emails.length < 1000 && i < ctx.data.users; i += Math.max(1, Math.floor(ctx.data.users / 1500))) {
    const u = userAt(ctx.data.seed, i, ctx.data.pool);
    if (u.invalid === null && u.email) emails.push(u.email);
  }
  const w = ctx.state.importWindow!;
  const span = Date.parse(w.to) - Date.parse(w.from);
  const auditFrom = new Date(Date.parse(w.from) + span * 0.45).toISOString();
  const auditTo = new Date(Date.parse(w.from) + span * 0.55).toISOString();
  const count = 1000;
  const server = await startServer(url);
  try {
    const r = await runChild<ChildResult>(
      path.join(BENCH_DIR, 'load-child.ts'),
      {
        BENCH_BASE_URL: server.baseUrl,
        BENCH_CLIENT_ID: server.clientId,
        BENCH_CLIENT_SECRET: server.clientSecret,
        BENCH_SCENARIO: JSON.stringify({ kind: 'queries', warmup: 20, count, deepPageAfter: Math.floor(ctx.data.users / 2), emails, auditFrom, auditTo }),
      },
      { timeoutSeconds: 1200 },
    ).catch((failure: unknown) => {
      const err = failure as Error;
      if (/: 404 /.test(err.message)) throw new NotAvailable(`a query route answers 404: ${err.message.split('\n')[0]!.slice(0, 200)}`);
      throw err;
    });
    const group = (prefix: string) =>
      Object.entries(r.kinds)
        .filter(([k]) => k.startsWith(prefix))
        .map(([, v]) => v);
    const users = group('users_');
    const audit = group('audit_');
    const med = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.floor((s.length - 1) / 2)] ?? NaN;
    };
    if (users.length) {
      ctx.results.set('queries.users_list.p50_ms', round(med(users.map((k) => k.p50_ms)), 2));
      ctx.results.set('queries.users_list.p99_ms', round(Math.max(...users.map((k) => k.p99_ms)), 2));
    }
    if (audit.length) {
      ctx.results.set('queries.audit.p50_ms', round(med(audit.map((k) => k.p50_ms)), 2));
      ctx.results.set('queries.audit.p99_ms', round(Math.max(...audit.map((k) => k.p99_ms)), 2));
    }
    ctx.results.set('queries.requests_per_kind', count);
    ctx.results.set(
      'queries.detail',
      Object.fromEntries(Object.entries(r.kinds).map(([k, v]) => [k, { p50_ms: round(v.p50_ms, 2), p99_ms: round(v.p99_ms, 2), errors: v.errors, statuses: v.statuses }])),
    );
    for (const [k, v] of Object.entries(r.kinds)) ctx.log(`query ${k}: p50 ${round(v.p50_ms, 2)} ms, p99 ${round(v.p99_ms, 2)} ms, ${v.errors} errors ${JSON.stringify(v.statuses)}`);
    const errors = Object.values(r.kinds).reduce((a, k) => a + k.errors, 0);
    if (errors > 0) ctx.results.set('queries.errors', errors);
  } finally {
    await server.stop();
  }
}
