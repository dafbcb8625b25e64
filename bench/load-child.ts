import http from 'node:http';
import { childResult, percentile } from './context';

/*
 * The load generator: a process of its own, so that client work does not sit in
 * the server's event loop. Plain node:http with keep-alive sockets. Env:
 * BENCH_BASE_URL, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, BENCH_SCENARIO (JSON).
 *
 * Scenarios:
 * - queries:  named GET requests, each sent `count` times one after another
 *             (latency, not throughput), after `warmup` requests.
 * - commands: POST /api/v1/user from `concurrency` clients for `seconds` or
 *             `count` requests.
 * - health:   GET /health one after another for `seconds`.
 * - signin:   POST /api/v1/sign_in/password from `concurrency` clients for `seconds`.
 */

type Scenario =
  | { kind: 'queries'; warmup: number; count: number; deepPageAfter: number; emails: string[]; auditFrom: string; auditTo: string }
  | { kind: 'commands'; concurrency: number; seconds: number; count: number; tag: string }
  | { kind: 'health'; seconds: number }
  | { kind: 'signin'; concurrency: number; seconds: number; credentials: { identity: string; password: string }[] };

const base = new URL(process.env.BENCH_BASE_URL!);
const scenario = JSON.parse(process.env.BENCH_SCENARIO!) as Scenario;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let token = '';

interface Response {
  status: number;
  body: string;
  ms: number;
}

function request(method: string, path: string, body?: unknown, auth = true): Promise<Response> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const t = performance.now();
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers: {
          ...(auth ? { authorization: `Bearer ${token}` } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - t }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function getToken(): Promise<void> {
  const r = await request('POST', '/oauth2/token', { grant_type: 'client_credentials', client_id: process.env.BENCH_CLIENT_ID, client_secret: process.env.BENCH_CLIENT_SECRET }, false);
  if (r.status !== 200) throw new Error(`token: ${r.status} ${r.body.slice(0, 300)}`);
  token = (JSON.parse(r.body) as { access_token: string }).access_token;
}

function stats(ms: number[], errors: number, statuses: Record<string, number>) {
  const s = [...ms].sort((a, b) => a - b);
  return {
    n: s.length,
    errors,
    statuses,
    p50_ms: percentile(s, 50),
    p90_ms: percentile(s, 90),
    p99_ms: percentile(s, 99),
    max_ms: s.at(-1) ?? NaN,
    mean_ms: s.reduce((a, b) => a + b, 0) / (s.length || 1),
  };
}

async function expectOk(method: string, path: string, body?: unknown): Promise<Response> {
  const r = await request(method, path, body);
  if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${r.body.slice(0, 300)}`);
  return r;
}

async function queries(s: Extract<Scenario, { kind: 'queries' }>) {
  // Ids for the audit-by-user queries, and a keyset token deep in the list.
  const first = JSON.parse((await expectOk('GET', '/api/v1/users?page_size=500')).body) as { users: { id: string }[]; next_token?: string };
  const userIds = first.users.map((u) => u.id);
  let token500 = first.next_token;
  let walked = first.users.length;
  while (token500 && walked < s.deepPageAfter) {
    const page = JSON.parse((await expectOk('GET', `/api/v1/users?page_size=500&next_token=${encodeURIComponent(token500)}`)).body) as { users: unknown[]; next_token?: string };
    walked += page.users.length;
    token500 = page.next_token;
  }
  const deepToken = token500;
  let k = 0;
  const pick = <T>(xs: readonly T[]): T => xs[(k++ * 7919) % xs.length]!;
  const kinds: Record<string, () => string> = {
    users_first_page: () => '/api/v1/users',
    ...(deepToken ? { users_deep_page: () => `/api/v1/users?next_token=${encodeURIComponent(deepToken)}` } : {}),
    users_by_email: () => `/api/v1/users?email=${encodeURIComponent(pick(s.emails))}`,
    users_sorted_by_name: () => '/api/v1/users?sort=name_asc',
    audit_by_user: () => `/api/v1/audit_log?user_id=${encodeURIComponent(pick(userIds))}`,
    audit_by_time: () => `/api/v1/audit_log?from=${encodeURIComponent(s.auditFrom)}&to=${encodeURIComponent(s.auditTo)}`,
  };
  const out: Record<string, ReturnType<typeof stats> & { sample_bytes: number }> = {};
  for (const [name, path] of Object.entries(kinds)) {
    for (let i = 0; i < s.warmup; i++) await expectOk('GET', path());
    const ms: number[] = [];
    const statuses: Record<string, number> = {};
    let errors = 0;
    let bytes = 0;
    for (let i = 0; i < s.count; i++) {
      const r = await request('GET', path());
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status >= 400) errors++;
      else ms.push(r.ms);
      bytes = r.body.length;
    }
    out[name] = { ...stats(ms, errors, statuses), sample_bytes: bytes };
  }
  return { kinds: out, deep_page_after_users: deepToken ? walked : null };
}

async function commands(s: Extract<Scenario, { kind: 'commands' }>) {
  let next = 0;
  const body = (i: number) => ({
    profile: { given_name: 'Bench', family_name: `Command ${i}` },
    identities: [{ type: 'email', is_verified: true, details: { email: `cmd-${s.tag}-${i}@bench.example` } }],
  });
  // Warm-up, not measured.
  for (let i = 0; i < 20; i++) await expectOk('POST', '/api/v1/user', body(next++));
  const ms: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let firstError = '';
  const t0 = performance.now();
  const deadline = t0 + s.seconds * 1000;
  await Promise.all(
    Array.from({ length: s.concurrency }, async () => {
      while (performance.now() < deadline && next < s.count + 20) {
        const r = await request('POST', '/api/v1/user', body(next++));
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status >= 400) {
          errors++;
          firstError ||= `${r.status} ${r.body.slice(0, 200)}`;
        } else ms.push(r.ms);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { ...stats(ms, errors, statuses), seconds, per_s: ms.length / seconds, first_error: firstError || null };
}

async function health(s: Extract<Scenario, { kind: 'health' }>) {
  const ms: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const deadline = performance.now() + s.seconds * 1000;
  while (performance.now() < deadline) {
    const r = await request('GET', '/health', undefined, false);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (r.status >= 400) errors++;
    ms.push(r.ms); // a slow 503 is still a slow answer
  }
  return stats(ms, errors, statuses);
}

async function signin(s: Extract<Scenario, { kind: 'signin' }>) {
  let next = 0;
  const ms: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let firstError = '';
  const t0 = performance.now();
  const deadline = t0 + s.seconds * 1000;
  await Promise.all(
    Array.from({ length: s.concurrency }, async () => {
      while (performance.now() < deadline) {
        const c = s.credentials[next++ % s.credentials.length]!;
        const r = await request('POST', '/api/v1/sign_in/password', { identity: c.identity, password: c.password, ip: `10.0.${next % 250}.${(next >> 8) % 250}` });
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status >= 400) {
          errors++;
          firstError ||= `${r.status} ${r.body.slice(0, 200)}`;
        } else ms.push(r.ms);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { ...stats(ms, errors, statuses), seconds, per_s: ms.length / seconds, first_error: firstError || null };
}

await getToken();
switch (scenario.kind) {
  case 'queries':
    childResult(await queries(scenario));
    break;
  case 'commands':
    childResult(await commands(scenario));
    break;
  case 'health':
    childResult(await health(scenario));
    break;
  case 'signin':
    childResult(await signin(scenario));
    break;
  default: {
    const never: never = scenario;
    throw new Error(`unknown scenario ${JSON.stringify(never)}`);
  }
}
agent.destroy();
