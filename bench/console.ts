import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { NotAvailable, median, round, type Context } from './context';
import { userAt } from './data';
import { startServer } from './server';

/*
 * console.*: issue 14's "first paint of any page ≤ 1 s against the benchmark's
 * million-user database". `roster serve` on the imported database, an operator
 * signed in, Debian's Chromium (headless, through playwright-core) opening each
 * console page `repeats` times as a full page load. Per page, medians:
 *   fcp_ms    first contentful paint (the browser's paint timing)
 *   ready_ms  from navigation start until the page's data is on screen: its main
 *             API answer arrived and its table has rows (the figure the target is on)
 * plus, on the users page, the time from an action to the new rows: a search by a
 * fragment of an email, by a whole email, the organization and role filters.
 * Headline: console.worst_ready_ms (the slowest page), console.worst_fcp_ms.
 */
const CHROMIUM = process.env.ROSTER_CHROMIUM ?? '/usr/bin/chromium';
const OPERATOR = { email: 'bench-operator@example.com', password: 'bench operator passphrase 2026' };

interface PageSpec {
  readonly name: string;
  readonly path: string;
  /** The page's main API request (its answer is what "ready" waits for). */
  readonly api: string;
  readonly ready: string;
  /** Something the page finishes later, timed from navigation start too (the audit page's chain verification). */
  readonly later?: { readonly name: string; readonly selector: string };
}

const rows = (label: string) => `table[aria-label="${label}"] tbody tr`;

export async function runConsole(ctx: Context): Promise<void> {
  const url = ctx.state.rosterUrl;
  if (!url) throw new NotAvailable('needs the imported database');
  if (!fs.existsSync(CHROMIUM)) throw new NotAvailable(`${CHROMIUM} is missing (apt-get install -y chromium)`);
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new NotAvailable('playwright-core is not installed');
  }
  await ensureOperator(url);

  // A user from the middle of the data set: the profile page, and the searches.
  const sample = (() => {
    for (let i = Math.floor(ctx.data.users / 2); i < ctx.data.users; i++) {
      const u = userAt(ctx.data.seed, i, ctx.data.pool);
      if (u.invalid === null && u.email) return u.email;
    }
    throw new Error('no valid user with an email in the data set');
  })();

  const server = await startServer(url);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    await signIn(page, server.baseUrl);

    const found = (await (await page.request.get(`${server.baseUrl}/api/v1/search/users?query=${encodeURIComponent(sample)}`)).json()) as { results?: { id: string }[] };
    const userId = found.results?.[0]?.id;
    if (!userId) throw new Error(`the sample user ${sample} was not found by the search API`);

    const pages: PageSpec[] = [
      { name: 'users', path: '/admin/users', api: '/api/v1/users?', ready: rows('Users') },
      { name: 'user', path: `/admin/users/${encodeURIComponent(userId)}`, api: '/api/v1/user?', ready: rows('Identities') },
      { name: 'import', path: '/admin/import', api: '/api/v1/imports?', ready: rows('Past imports') },
      { name: 'organizations', path: '/admin/organizations', api: '/api/v1/organizations', ready: rows('Organizations') },
      { name: 'roles', path: '/admin/roles', api: '/api/v1/roles', ready: rows('Roles') },
      { name: 'permissions', path: '/admin/permissions', api: '/api/v1/permissions', ready: rows('Permissions') },
      { name: 'subscribers', path: '/admin/subscribers', api: '/api/v1/subscribers', ready: rows('Subscribers') },
      { name: 'audit', path: '/admin/audit', api: '/api/v1/audit_log?', ready: rows('Audit log entries, newest first'), later: { name: 'chain_verified', selector: '[data-chain]' } },
      { name: 'system', path: '/admin/system', api: '/api/v1/projections', ready: rows('Projections') },
    ];

    const repeats = Math.max(1, ctx.options.repeats);
    let worstReady = 0;
    let worstFcp = 0;
    for (const spec of pages) {
      const runs: { fcp: number; ready: number }[] = [];
      const later: number[] = [];
      for (let k = 0; k < repeats; k++) {
        runs.push(await loadPage(page, server.baseUrl, spec));
        if (spec.later) {
          await page.waitForSelector(spec.later.selector, { timeout: 30 * 60_000 });
          later.push(await afterPaint(page));
        }
        // Whatever the page still loads must not slow the next one down.
        await page.waitForLoadState('networkidle', { timeout: 30 * 60_000 });
      }
      if (spec.later) {
        const ms = round(median(later), 0);
        ctx.results.set(`console.pages.${spec.name}.${spec.later.name}_ms`, ms);
        ctx.log(`console ${spec.name}: ${spec.later.name.replace(/_/g, ' ')} after ${ms} ms (not part of the target)`);
      }
      const fcp = round(median(runs.map((r) => r.fcp)), 0);
      const ready = round(median(runs.map((r) => r.ready)), 0);
      worstReady = Math.max(worstReady, ready);
      worstFcp = Math.max(worstFcp, fcp);
      ctx.results.set(`console.pages.${spec.name}.fcp_ms`, fcp);
      ctx.results.set(`console.pages.${spec.name}.ready_ms`, ready);
      ctx.log(`console ${spec.name}: first contentful paint ${fcp} ms, data on screen ${ready} ms (median of ${repeats}: ${runs.map((r) => Math.round(r.ready)).join(', ')})`);
    }
    ctx.results.set('console.worst_ready_ms', worstReady);
    ctx.results.set('console.worst_fcp_ms', worstFcp);

    // The users page's query paths, from the action to the new rows.
    const local = sample.split('@')[0]!;
    const fragment = local.slice(1, Math.min(local.length, 7));
    const actions: [string, (p: Page) => Promise<unknown>, string][] = [
      ['search_fragment', (p) => search(p, fragment), '/api/v1/search/users?'],
      ['search_email', (p) => search(p, sample), '/api/v1/search/users?'],
      ['filter_organization', (p) => p.getByLabel('Organization', { exact: true }).selectOption({ index: 1 }), 'org_code='],
      ['filter_role', (p) => p.getByLabel('Role', { exact: true }).selectOption({ index: 1 }), 'role_key='],
    ];
    for (const [name, act, api] of actions) {
      const runs: number[] = [];
      for (let k = 0; k < repeats; k++) {
        await loadPage(page, server.baseUrl, pages[0]!);
        // The filters' options come from their own requests.
        await page.waitForLoadState('networkidle');
        await page.waitForFunction(`document.querySelectorAll('select option').length > 10`);
        runs.push(await timeAction(page, act, api, rows('Users')));
      }
      const ms = round(median(runs), 0);
      ctx.results.set(`console.users_page.${name}_ms`, ms);
      ctx.log(
        `console users page, ${name.replace(/_/g, ' ')}${name.startsWith('search') ? ` ("${name === 'search_fragment' ? fragment : sample}")` : ''}: ${ms} ms to the rows (median of ${repeats})`,
      );
    }
    await context.close();
  } finally {
    await browser?.close();
    await server.stop();
  }
}

/** The bench's operator, created directly in the database (once). */
async function ensureOperator(databaseUrl: string): Promise<void> {
  const { default: knexFactory } = await import('knex');
  const { createOperator, findOperatorByEmail } = await import('../src/operators/operators');
  const { hashPassword } = await import('../src/passwords');
  const knex = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  try {
    if (await findOperatorByEmail(knex, OPERATOR.email)) return;
    await createOperator(knex, { hash: async (plain) => hashPassword(plain, 10) }, OPERATOR);
  } finally {
    await knex.destroy();
  }
}

async function signIn(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/admin`);
  await page.getByLabel('Email').fill(OPERATOR.email);
  await page.getByLabel('Password').fill(OPERATOR.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
}

/** The main answer fully received (not just its headers), and not an error. */
async function finished(page: Page, api: string, act: () => Promise<unknown>): Promise<void> {
  const done = page.waitForEvent('requestfinished', (r) => r.url().includes(api) && r.method() === 'GET');
  await act();
  const response = await (await done).response();
  if (!response?.ok()) throw new Error(`${api} answered ${response?.status()}`);
}

/** After the next two frames: the answer parsed, rendered and painted. */
const afterPaint = (page: Page) => page.evaluate<number>('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))))');

/** A full page load: paint timing, and the moment the main answer is in and its rows are drawn. */
async function loadPage(page: Page, baseUrl: string, spec: PageSpec): Promise<{ fcp: number; ready: number }> {
  await finished(page, spec.api, () => page.goto(`${baseUrl}${spec.path}`, { waitUntil: 'commit' }));
  await page.waitForSelector(spec.ready);
  const ready = await afterPaint(page);
  const fcp = await page.evaluate<number>(`performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1`);
  return { fcp, ready };
}

async function search(page: Page, text: string): Promise<void> {
  await page.getByLabel('Search', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
}

/** From the action to its answer drawn (the table's text changed, then painted), in ms measured in the page. */
async function timeAction(page: Page, act: (p: Page) => Promise<unknown>, api: string, ready: string): Promise<number> {
  const tbody = ready.replace(/ tr$/, '');
  const before = await page.locator(tbody).textContent();
  const start = await page.evaluate(() => performance.now());
  await finished(page, api, () => act(page));
  // Same rows before and after (possible, rare): the two frames after the answer are the measure.
  await page.waitForFunction(`document.querySelector(${JSON.stringify(tbody)})?.textContent !== ${JSON.stringify(before)}`, undefined, { timeout: 2000 }).catch(() => undefined);
  return (await afterPaint(page)) - start;
}
