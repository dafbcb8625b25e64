import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USERS_VIEW } from '../../src/projections/users/queries';
import { USER_SEARCH_TEXT } from '../../src/projections/users/search';
import { SEARCH_PENDING_LIST_KB } from '../../src/db/user-search';
import { startTestApp, type TestApp } from '../support/app';

/**
 * The users page's API: fragment search (GET /api/v1/search/users?query= and
 * GET /api/v1/users?query=) and the filters organization, role, suspended,
 * password reset required and import job, with keyset pages.
 */
let t: TestApp;
let token: string;
const ids: Record<string, string> = {};
let orgCode: string;
let importId: string;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined && typeof body !== 'string' ? { 'Content-Type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : ((await res.json()) as any);
}

async function createUser(key: string, given: string, family: string, identities: Record<string, string>) {
  const r = await call('POST', '/api/v1/user', {
    profile: { given_name: given, family_name: family },
    identities: Object.entries(identities).map(([type, v]) => ({ type, details: { [type]: v } })),
  });
  ids[key] = r.id;
}

beforeAll(async () => {
  t = await startTestApp();
  token = await t.token();
  await createUser('ada', 'Ada', 'Lovelace', { email: 'ada.lovelace@analytical.example', username: 'countess', phone: '+442071234567' });
  await createUser('grace', 'Grace', 'Hopper', { email: 'grace@navy.example', username: 'amazinggrace' });
  await createUser('linus', 'Linus', 'Torvalds', { email: 'linus@kernel.example' });
  await createUser('pct', 'Percent', 'Sign', { email: 'per_cent@odd.example' });
  orgCode = (await call('POST', '/api/v1/organization', { name: 'Navy' })).organization.code;
  const roleId = (await call('POST', '/api/v1/roles', { name: 'Admiral', key: 'admiral' })).role.id;
  await call('POST', `/api/v1/organizations/${orgCode}/users`, { users: [{ id: ids.grace }, { id: ids.ada }] });
  await call('POST', `/api/v1/organizations/${orgCode}/users/${ids.grace}/roles`, { role_id: roleId });
  await call('PATCH', `/api/v1/user?id=${ids.linus}`, { is_suspended: true });
  await call('PATCH', `/api/v1/user?id=${ids.grace}`, { is_password_reset_requested: true });
  const job = await call('POST', '/api/v1/imports', 'email,first_name,last_name\nimported.one@batch.example,Imp,One\nimported.two@batch.example,Imp,Two\n', { 'Content-Type': 'text/csv' });
  importId = job.import.id;
  await t.runtime.imports.idle();
  expect(await t.runtime.projector.waitFor(await t.runtime.store.headPosition(), 10_000)).toBe(true);
  for (const who of ['one', 'two']) {
    const r = await call('GET', `/api/v1/users?email=imported.${who}@batch.example`);
    ids[`imported_${who}`] = r.users[0].id;
  }
});
afterAll(async () => {
  await t?.close();
});

const searchIds = async (query: string, extra = '') =>
  ((await call('GET', `/api/v1/search/users?page_size=50&query=${encodeURIComponent(query)}${extra}`)).results as { id: string }[]).map((u) => u.id).sort();
const listIds = async (params: string) => {
  const r = await call('GET', `/api/v1/users?page_size=50&${params}`);
  return ((r.users ?? []) as { id: string }[]).map((u) => u.id).sort();
};
const sorted = (...keys: string[]) => keys.map((k) => ids[k]!).sort();

describe('GET /api/v1/search/users?query= matches fragments', () => {
  it.each([
    ['a piece of the family name, any case', 'LOVEL', ['ada']],
    ['a piece of the email', 'navy.ex', ['grace']],
    ['a piece of the username', 'azinggr', ['grace']],
    ['a piece of the phone', '2071234', ['ada']],
    ['a piece of the given and family name together', 'Grace Hop', ['grace']],
    ['a LIKE wildcard, literally', 'er_ce', ['pct']],
    ['a fragment nobody has', 'zzzzzz', []],
  ])('%s', async (_name, query, expected) => {
    expect(await searchIds(query)).toEqual(sorted(...expected));
  });

  it('a piece of the user id', async () => {
    expect(await searchIds(ids.ada!.slice(6, 20))).toEqual([ids.ada]);
  });

  it('a query shorter than three characters matches whole values only', async () => {
    expect(await searchIds('ad')).toEqual([]);
  });

  it('pages by id with starting_after and ending_before', async () => {
    const all = await searchIds('.example');
    expect(all).toHaveLength(6);
    const first = (await call('GET', '/api/v1/search/users?page_size=4&query=.example')).results.map((u: { id: string }) => u.id);
    const rest = (await call('GET', `/api/v1/search/users?page_size=4&query=.example&starting_after=${first.at(-1)}`)).results.map((u: { id: string }) => u.id);
    expect([...first, ...rest]).toEqual(all);
    const before = (await call('GET', `/api/v1/search/users?page_size=2&query=.example&ending_before=${rest[0]}`)).results.map((u: { id: string }) => u.id);
    expect(before).toEqual(first.slice(2));
  });

  it('takes the same filters as the users list', async () => {
    expect(await searchIds('.example', `&org_code=${orgCode}`)).toEqual(sorted('ada', 'grace'));
  });

  it('is answered from the trigram index (pg_trgm), not a scan', async () => {
    const knex = t.runtime.db.knex;
    const ext = await knex.raw(`select 1 from pg_extension where extname = 'pg_trgm'`);
    expect(ext.rows).toHaveLength(1);
    const plan = await knex.transaction(async (trx) => {
      await trx.raw('set local enable_seqscan = off');
      const r = await trx.raw(`explain select id from ?? where ${USER_SEARCH_TEXT} like ?`, [USERS_VIEW, '%lovel%']);
      return (r.rows as { 'QUERY PLAN': string }[]).map((x) => x['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/Bitmap Index Scan on users_v2_g\d+_search_idx/);
    // Its pending list is the larger one an import needs (src/db/user-search.ts).
    const options = await knex.raw(`select reloptions from pg_class where relname ~ '^users_v2_g[0-9]+_search_idx$'`);
    expect(options.rows.map((r: { reloptions: string[] }) => r.reloptions)).toEqual([[`gin_pending_list_limit=${SEARCH_PENDING_LIST_KB}`]]);
  });
});

describe('GET /api/v1/users filters', () => {
  it.each([
    ['query (fragment)', () => 'query=batch.ex', ['imported_one', 'imported_two']],
    ['org_code', () => `org_code=${orgCode}`, ['ada', 'grace']],
    ['role_key', () => 'role_key=admiral', ['grace']],
    ['role_key in an organization', () => `role_key=admiral&org_code=${orgCode}`, ['grace']],
    ['an unknown role_key', () => 'role_key=nobody', []],
    ['is_suspended=true', () => 'is_suspended=true', ['linus']],
    ['is_password_reset_requested=true', () => 'is_password_reset_requested=true', ['grace']],
    ['import_id', () => `import_id=${importId}`, ['imported_one', 'imported_two']],
    ['filters together', () => `org_code=${orgCode}&is_password_reset_requested=false`, ['ada']],
  ])('%s', async (_name, params, expected) => {
    expect(await listIds(params())).toEqual(sorted(...expected));
  });

  it('is_suspended=false leaves out the suspended user; empty values mean no filter', async () => {
    const active = await listIds('is_suspended=false');
    expect(active).toHaveLength(5);
    expect(active).not.toContain(ids.linus);
    expect(await listIds('is_suspended=&org_code=&role_key=&import_id=&is_password_reset_requested=')).toHaveLength(6);
  });

  it('refuses a bad boolean with a clear error', async () => {
    const res = await fetch(`${t.url}/api/v1/users?is_suspended=yes`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('INVALID_REQUEST');
  });

  it('pages with keyset tokens under a filter, in email order, without repeats', async () => {
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const r = await call('GET', `/api/v1/users?page_size=2&sort=email_asc&is_suspended=false${next ? `&next_token=${next}` : ''}`);
      seen.push(...(r.users as { id: string }[]).map((u) => u.id));
      next = r.next_token;
    } while (next);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort()).toEqual(await listIds('is_suspended=false'));
  });
});
