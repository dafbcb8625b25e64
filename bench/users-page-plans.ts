import { parseArgs } from 'node:util';
import { BenchPostgres, quietLogger } from './context';

/*
 * node --import tsx bench/users-page-plans.ts [--users 1000000]
 *
 * The query plans of the console's users page at a million users, without an
 * import: a fresh embedded PostgreSQL, Roster's read-model tables (made by the
 * projector, with their real indexes), N synthetic users written with
 * generate_series (an email identity each; ~70% in one of 200 organizations with
 * one of 6 roles; 0.2% suspended, 0.3% asked to reset; half of them from one
 * import job), ANALYZE, then each query the page sends — built by the real
 * listUsers — under EXPLAIN ANALYZE: its time and the plan's scan nodes.
 * A query that reads the whole table shows as a "Seq Scan" on users.
 */
process.env.ROSTER_SECRET_KEY ??= 'roster-bench-secret-key-not-for-production-0001';

const { values } = parseArgs({ options: { users: { type: 'string', default: '1000000' } } });
const N = Number(values.users.replace(/[_,]/g, ''));

async function main() {
  const logger = quietLogger();
  const log = (l: string) => process.stderr.write(`[plans] ${l}\n`);
  const pg = await BenchPostgres.start(logger);
  try {
    const url = await pg.database('plans');
    const { loadConfig } = await import('../src/config');
    const { openRuntime } = await import('../src/runtime');
    const { listUsers } = await import('../src/projections/users/queries');
    const { encodeToken } = await import('../src/projections/support');
    const rt = await openRuntime(loadConfig({ DATABASE_URL: url, ROSTER_DATA_DIR: `${pg.dir}/roster` }), logger);
    try {
      // The projector creates every read model's tables (and views) on an empty store.
      await rt.projector.start();
      await rt.projector.stop();
      const knex = rt.db.knex;
      const t0 = performance.now();
      await knex.raw(`insert into roles_v1 (id, last_revision, doc, key, name, deleted, permission_ids)
        select 'role_' || r, 0, jsonb_build_object('key', 'role-' || r), 'role-' || r, 'Role ' || r, false, '{}' from generate_series(0, 5) r`);
      await knex.raw(
        `insert into users_v2 (id, last_revision, doc, status, email, full_name, is_suspended, is_password_reset_requested, has_password,
                               created_on, organizations, sort_name, sort_email, total_sign_ins, failed_sign_ins)
         select 'kp_' || lpad(to_hex(i), 32, '0'), 0, '{}'::jsonb, case when i % 997 = 0 then 'deleted' else 'active' end,
                'user' || i || '@example' || (i % 7) || '.com', 'Name' || (i % 5000) || ' Surname' || (i % 3001), i % 500 = 0, i % 300 = 0, true,
                now(), case when i % 10 < 7 then array['org_' || (i % 200)] else '{}'::text[] end,
                lower('Name' || (i % 5000) || ' Surname' || (i % 3001)), 'user' || i || '@example' || (i % 7) || '.com', 0, 0
           from generate_series(1, ?) i`,
        [N],
      );
      await knex.raw(
        `insert into user_identities_v2 (parent_id, identity_id, type, identity, identity_lower, is_primary)
         select 'kp_' || lpad(to_hex(i), 32, '0'), 'identity_' || i, 'email', 'user' || i || '@example' || (i % 7) || '.com', 'user' || i || '@example' || (i % 7) || '.com', true
           from generate_series(1, ?) i`,
        [N],
      );
      await knex.raw(
        `insert into user_organizations_v2 (parent_id, org_code, role_ids, permission_ids)
         select 'kp_' || lpad(to_hex(i), 32, '0'), 'org_' || (i % 200), array['role_' || (i % 6)], '{}' from generate_series(1, ?) i where i % 10 < 7`,
        [N],
      );
      await knex.raw(`insert into user_imports_v1 (import_id, user_id) select 'imp_bench', 'kp_' || lpad(to_hex(i), 32, '0') from generate_series(1, ?, 2) i`, [N]);
      await knex.raw('analyze');
      log(`${N.toLocaleString('en')} users seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

      const mid = `user${Math.floor(N / 2)}@example${Math.floor(N / 2) % 7}.com`;
      const cases: [string, Parameters<typeof listUsers>[1]][] = [
        ['first page, email order (the page as it opens)', { sort: 'email_asc', page_size: 25 }],
        ['a page in the middle (keyset)', { sort: 'email_asc', page_size: 25, next_token: encodeToken([mid, 'kp_']) }],
        ['organization filter', { sort: 'email_asc', page_size: 25, org_code: 'org_13' }],
        ['role filter', { sort: 'email_asc', page_size: 25, role_key: 'role-3' }],
        ['organization and role', { sort: 'email_asc', page_size: 25, org_code: 'org_13', role_key: 'role-5' }],
        ['suspended', { sort: 'email_asc', page_size: 25, is_suspended: true }],
        ['password reset required', { sort: 'email_asc', page_size: 25, is_password_reset_requested: true }],
        ['imported by a job', { sort: 'email_asc', page_size: 25, import_id: 'imp_bench' }],
        ['search: a whole email', { sort: 'id_asc', page_size: 25, query: mid }],
        ['search: a rare fragment', { sort: 'id_asc', page_size: 25, query: `user${Math.floor(N / 3)}@` }],
        ['search: a common fragment (1 user in 7)', { sort: 'id_asc', page_size: 25, query: 'example3' }],
        ['search: a fragment of names (1 in 5000)', { sort: 'id_asc', page_size: 25, query: 'name1234 ' }],
        ['search: a fragment nobody has', { sort: 'id_asc', page_size: 25, query: 'zzzqqq' }],
      ];
      for (const [name, params] of cases) {
        const queries: { sql: string; bindings: unknown[] }[] = [];
        const onQuery = (q: { sql: string; bindings?: unknown[] }) => queries.push({ sql: q.sql, bindings: [...(q.bindings ?? [])] });
        knex.on('query', onQuery);
        const t = performance.now();
        const r = await listUsers(knex, params);
        const ms = performance.now() - t;
        knex.off('query', onQuery);
        const main = queries[0]!;
        // The SQL as the driver received it ($n placeholders).
        const plan = (await rt.db.pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${main.sql}`, main.bindings)).rows.map((x) => x['QUERY PLAN']);
        const exec = plan.find((l) => l.startsWith('Execution Time'));
        const scans = plan
          .filter((l) => /Scan|Sort|Join|SubPlan/.test(l))
          .map((l) =>
            l
              .trim()
              .replace(/\s+\(cost=.*?\)/, '')
              .replace(/ \(actual time=[^)]*\)/, ''),
          );
        process.stdout.write(`\n## ${name}: ${r.users.length} rows, ${ms.toFixed(1)} ms through listUsers; ${exec}\n${scans.map((s) => `    ${s}`).join('\n')}\n`);
      }
    } finally {
      await rt.close();
    }
  } finally {
    await pg.stop(false);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
