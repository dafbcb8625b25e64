import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, SCREENSHOTS, seriousA11yViolations, startForgerySite, startServer, type RunningServer } from './support';

/**
 * The admin console in a real Chromium against a real `roster serve`: the steps
 * an operator takes, in order (they share one server and one browser, so each
 * test builds on the one before).
 */
/** Waits for a condition in the page (vitest's default is one second; a loaded machine needs more). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000 });
const OPERATOR = { email: 'ops@example.com', password: 'a long operator passphrase 42' };
const USERS_CSV = ['email,first_name,last_name', 'ada@example.com,Ada,Lovelace', 'grace@example.com,Grace,Hopper', 'not-an-email,Bad,Row', 'linus@example.com,Linus,Torvalds', ''].join('\n');

describe('admin console in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];
  const a11y: Record<string, unknown[]> = {};

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer({ ROSTER_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }), launchBrowser()]);
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 }, timezoneId: 'UTC', locale: 'en-GB' });
    // Generous for a loaded machine (the whole suite runs in parallel), short enough to fail fast.
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Axe on the page as it is now (serious and critical only), and a screenshot when asked for. */
  async function check(name: string, options: { screenshot?: boolean } = {}) {
    await page.waitForLoadState('networkidle');
    a11y[name] = await seriousA11yViolations(page);
    if (SCREENSHOTS && options.screenshot !== false) {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    }
  }

  const heading = (name: string) => page.getByRole('heading', { level: 1, name });
  const nav = (name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();

  /** A change through the API with the page's session, as the console's own script sends it (CSRF token, same origin). */
  async function apiPost(path: string, data: unknown) {
    const { csrf_token } = (await (await page.request.get(`${server.url}/admin/api/session`)).json()) as { csrf_token: string };
    const res = await page.request.post(`${server.url}${path}`, { data, headers: { 'X-CSRF-Token': csrf_token, Origin: server.url } });
    expect(res.status(), await res.text()).toBeLessThan(300);
    return res.json() as Promise<Record<string, unknown>>;
  }
  type Entry = { type: string; actor: { type: string; id: string | null }; source: string };
  const auditOf = async (type: string) => ((await (await page.request.get(`${server.url}/api/v1/audit_log?type=${type}`)).json()) as { audit_log: Entry[] }).audit_log;
  const byOperator = { actor: { type: 'operator', id: expect.stringMatching(/^op_/) }, source: 'admin' };

  /** The audit page filtered by a type prefix: each row's text. */
  async function auditPageRows(prefix: string) {
    await nav('Audit log');
    await heading('Audit log').waitFor();
    await page.getByLabel('Type or prefix').fill(prefix);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const rows = page.getByRole('table', { name: 'Audit log entries, newest first' }).locator('tbody tr');
    // Until the filtered answer replaces the unfiltered one.
    await poll(async () => {
      const texts = await rows.allTextContents();
      return texts.length > 0 && texts.every((t) => t.includes(prefix));
    }).toBe(true);
    return rows.allTextContents();
  }

  async function openUser(email: string) {
    await nav('Users');
    await page.getByLabel('Search', { exact: true }).fill(email);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('link', { name: email }).click();
    await poll(() => page.getByRole('heading', { level: 2, name: 'Details' }).isVisible()).toBe(true);
  }

  it('serves the console at /admin and / redirects there; without an operator it points to the setup link', async () => {
    await page.goto(server.url + '/');
    expect(new URL(page.url()).pathname.startsWith('/admin')).toBe(true);
    await heading('Sign in to Roster').waitFor();
    await poll(() => page.getByText('No operator exists yet').isVisible()).toBe(true);
    await check('sign-in');
  });

  it('creates the first operator through the link roster serve printed', async () => {
    await page.goto(server.setupLink);
    await heading('Create the first operator').waitFor();
    await check('setup', { screenshot: false }); // the README shows the sign-in page only
    await page.getByLabel('Email').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Create operator' }).click();
    await heading('Users').waitFor();
    await poll(() => page.getByText(OPERATOR.email).isVisible()).toBe(true);
    // The token was single-use: the same link does not make a second operator.
    const body = JSON.stringify({ token: new URL(server.setupLink).searchParams.get('token'), email: 'x@example.com', password: 'another long passphrase 1234' });
    const again = await page.evaluate(
      `fetch('/admin/api/setup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(body)} }).then((r) => r.json().then((b) => [r.status, b.errors[0].code]))`,
    );
    expect(again).toEqual([400, 'SETUP_TOKEN_INVALID']);
  });

  it('signs out, refuses a wrong password beside the form, and signs in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading('Sign in to Roster').waitFor();
    // Signed out for real: the API refuses the old cookie jar.
    expect((await page.request.get(`${server.url}/admin/api/session`, { failOnStatusCode: false })).status()).toBe(401);
    await page.getByLabel('Email').fill(OPERATOR.email);
    await page.getByLabel('Password').fill('wrong password, surely');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const error = page.getByRole('form', { name: 'Sign in' }).locator('.error');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('INVALID_CREDENTIALS');
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Users').waitFor();
  });

  it('is keyboard navigable: skip link first, then the console navigation', async () => {
    await page.goto(`${server.url}/admin/users`);
    await heading('Users').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Users');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Import');
    await page.keyboard.press('Enter');
    await heading('Import users').waitFor();
    // The new page's heading takes the focus, so a screen reader announces it.
    expect(await page.evaluate('document.activeElement.tagName')).toBe('H1');
  });

  it('refuses a forged cross-site request that carries the session cookie', async () => {
    const forgery = await startForgerySite(server.url);
    try {
      const evil = await context.newPage();
      await evil.goto(forgery.url);
      const [response] = await Promise.all([evil.waitForResponse((r) => r.url().startsWith(`${server.url}/api/v1/organization`)), evil.getByRole('button', { name: 'Claim prize' }).click()]);
      expect(response.status()).toBe(403);
      await evil.close();
    } finally {
      await forgery.close();
    }
    await nav('Organizations');
    await heading('Organizations').waitFor();
    await page.waitForLoadState('networkidle');
    expect(await page.getByRole('table', { name: 'Organizations' }).textContent()).not.toContain('Forged org');
  });

  it('sets up an organization, a permission and a role from their pages', async () => {
    await page.getByLabel('Organization name').fill('Acme');
    await page.getByLabel('External id').fill('acme');
    await page.getByRole('button', { name: 'Add organization' }).click();
    await page.getByRole('cell', { name: 'Acme', exact: true }).waitFor();

    await nav('Permissions');
    await heading('Permissions').waitFor();
    await page.getByLabel('Permission name').fill('Read reports');
    await page.getByLabel('Permission key').fill('read:reports');
    await page.getByRole('button', { name: 'Add permission' }).click();
    await page.getByRole('cell', { name: 'read:reports' }).waitFor();
    await check('permissions');

    await nav('Roles');
    await heading('Roles').waitFor();
    await page.getByLabel('Role name').fill('Support agent');
    await page.getByLabel('Role key').fill('support-agent');
    await page.getByRole('button', { name: 'Add role' }).click();
    await page.getByRole('cell', { name: 'support-agent' }).waitFor();
    await page.getByRole('button', { name: 'Show permissions and holders of Support agent' }).click();
    await page.getByLabel('Permission to add').selectOption({ label: 'Read reports (read:reports)' });
    await page.getByRole('button', { name: 'Add permission' }).click();
    await page.getByRole('list', { name: 'Permissions of Support agent' }).getByText('read:reports').waitFor();
  });

  it('imports a file with errors: dry run plan, run, error table, rows to fix downloaded, fixed file imported clean', async () => {
    await nav('Import');
    await heading('Import users').waitFor();
    await page.getByLabel(/Users file/).setInputFiles({ name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from(USERS_CSV) });
    await page.getByRole('button', { name: 'Dry run' }).click();
    const plan = page.getByRole('table', { name: 'Planned counts' });
    await plan.waitFor();
    expect(await plan.locator('[data-count=created]').textContent()).toBe('3');
    expect(await plan.locator('[data-count=failed]').textContent()).toBe('1');
    expect(await page.locator('.report strong').first().textContent()).toBe('Kinde CSV'); // detected from the content
    // The dry run wrote nothing.
    expect((await page.request.get(`${server.url}/api/v1/users`)).ok()).toBe(true);
    expect(((await (await page.request.get(`${server.url}/api/v1/users`)).json()) as { users: unknown[] }).users).toHaveLength(0);

    await page.getByRole('button', { name: 'Run import' }).click();
    const final = page.getByRole('table', { name: 'Final counts' });
    await final.waitFor();
    expect(await final.locator('[data-count=created]').textContent()).toBe('3');
    expect(await final.locator('[data-count=failed]').textContent()).toBe('1');
    // The users this job created, through the users page's import filter.
    const jobUsers = await page.locator('#run').getByRole('link', { name: 'Users this import created or updated' }).getAttribute('href');
    expect(jobUsers).toMatch(/^\/admin\/users\?import_id=imp_/);

    const run = page.locator('#run');
    const issues = run.getByRole('table', { name: 'Import errors and warnings' });
    await issues.locator('tr[data-code=INVALID_EMAIL]').waitFor();
    await run.getByLabel('Severity').selectOption('error');
    await run.getByLabel('Code').selectOption('INVALID_EMAIL');
    expect(await issues.locator('tbody tr').count()).toBe(1);
    expect(await issues.locator('tbody tr').first().textContent()).toContain('4');
    await check('import');

    const [download] = await Promise.all([page.waitForEvent('download'), run.getByRole('link', { name: /Download the rows to fix/ }).click()]);
    const toFix = fs.readFileSync(await download.path(), 'utf8');
    expect(toFix).toContain('not-an-email');
    expect(toFix).not.toContain('ada@example.com');
    const fixed = toFix.replace('not-an-email', 'bad.row@example.com');

    await run.getByLabel('Import the fixed file').setInputFiles({ name: 'users-fixed.csv', mimeType: 'text/csv', buffer: Buffer.from(fixed) });
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('table', { name: 'Planned counts' }).waitFor();
    await page.getByRole('button', { name: 'Run import' }).click();
    const clean = page.getByRole('table', { name: 'Final counts' });
    await clean.waitFor();
    expect(await clean.locator('[data-count=failed]').textContent()).toBe('0');
    expect(await clean.locator('[data-count=created]').textContent()).toBe('1');
    await page.getByRole('table', { name: 'Past imports' }).getByRole('cell', { name: 'users-fixed.csv' }).first().waitFor();
    // "Imported by job": the fixed file's job brought exactly the fixed user.
    await page.locator('#run').getByRole('link', { name: 'Users this import created or updated' }).click();
    await heading('Users').waitFor();
    await poll(() => page.getByRole('table', { name: 'Users' }).locator('tbody tr').allTextContents()).toEqual([expect.stringContaining('bad.row@example.com')]);
  }, 120_000);

  it('finds a user by a fragment of an email', async () => {
    await nav('Users');
    await heading('Users').waitFor();
    await check('users');
    await page.getByLabel('Search', { exact: true }).fill('race@exa');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const table = page.getByRole('table', { name: 'Users' });
    await poll(() => table.locator('tbody tr').allTextContents()).toEqual([expect.stringContaining('grace@example.com')]);
  });

  it('suspends and restores a user', async () => {
    await openUser('grace@example.com');
    await page.getByRole('button', { name: 'Suspend user' }).click();
    await poll(() => page.getByTestId('status').textContent()).toBe('Suspended');
    expect((await (await page.request.get(`${server.url}/api/v1/search/users?query=grace@example.com`)).json()).results[0].is_suspended).toBe(true);
    await page.getByRole('button', { name: 'Restore user' }).click();
    await poll(() => page.getByTestId('status').textContent()).toBe('Active');

    // "As of" a moment while suspended: the profile as it was then, with actions disabled.
    const at = async (type: string) => Date.parse((await (await page.request.get(`${server.url}/api/v1/audit_log?type=${type}`)).json()).audit_log[0].occurred_on);
    const [suspendedAt, restoredAt] = [await at('user.suspended'), await at('user.restored')];
    const moment = new Date((suspendedAt + restoredAt) / 2).toISOString().slice(0, 23); // the browser runs in UTC
    await page.getByLabel('As of', { exact: true }).fill(moment);
    await page.getByRole('button', { name: 'Show profile then' }).click();
    await poll(() => page.getByTestId('status').textContent()).toBe('Suspended');
    expect(await page.getByRole('button', { name: 'Restore user' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Back to now' }).click();
    await poll(() => page.getByTestId('status').textContent()).toBe('Active');
  });

  it('grants a role in an organization, then finds it in the audit log with the operator as actor', async () => {
    await openUser('ada@example.com');
    // An API error shows its message next to the control that caused it: grace's email is taken.
    const addIdentity = page.getByRole('form', { name: 'Add identity' });
    await addIdentity.getByLabel('New identity').fill('grace@example.com');
    await addIdentity.getByRole('button', { name: 'Add identity' }).click();
    const taken = addIdentity.getByRole('alert');
    await taken.waitFor();
    expect(await taken.getAttribute('data-code')).toMatch(/TAKEN|CONFLICT|EXISTS/);

    const membership = page.locator('.membership').first();
    await membership.getByRole('combobox', { name: /Role to grant/ }).selectOption({ label: 'Support agent (support-agent)' });
    await membership.getByRole('button', { name: 'Grant role' }).click();
    await membership
      .getByRole('list', { name: /Roles in/ })
      .getByText('support-agent')
      .waitFor();
    await check('user');

    await nav('Audit log');
    await heading('Audit log').waitFor();
    await page.getByLabel('Type or prefix').fill('role.');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const row = page.getByRole('table', { name: 'Audit log entries, newest first' }).locator('tbody tr').filter({ hasText: 'role.assigned' });
    await row.first().waitFor();
    const text = await row.first().textContent();
    expect(text).toContain('ada@example.com');
    expect(text).toContain('operator');
    expect(text).toContain('admin');
    await page.getByLabel('Type or prefix').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('[data-chain=ok]').waitFor();
    await check('audit');
  });

  it('adds and deletes an identity, requires a password reset, sets a temporary password shown once, resets an MFA factor', async () => {
    await openUser('ada@example.com');
    const identities = page.getByRole('table', { name: 'Identities' });
    const addIdentity = page.getByRole('form', { name: 'Add identity' });
    await addIdentity.getByLabel('Identity type').selectOption('username');
    await addIdentity.getByLabel('New identity').fill('countess');
    await addIdentity.getByRole('button', { name: 'Add identity' }).click();
    const countess = identities.locator('tbody tr', { hasText: 'countess' });
    await countess.waitFor();
    await page.getByRole('button', { name: 'Delete identity countess' }).click();
    await poll(() => countess.count()).toBe(0);
    expect(await identities.textContent()).toContain('ada@example.com');

    await page.getByRole('button', { name: 'Set a temporary password' }).click();
    const temporary = await page.locator('.notice .secret').textContent();
    expect(temporary).toMatch(/^[A-Za-z0-9]{16}$/);
    await poll(async () => (await auditOf('user.password_set')).length).toBe(1);
    expect((await auditOf('user.password_set'))[0]).toMatchObject(byOperator);
    // Hashed in the browser: the plain password is nowhere in the audit log.
    expect(JSON.stringify(await auditOf('user.'))).not.toContain(temporary);

    // (After the new password, which answered the reset an import without a password asks for.)
    const resets = (await auditOf('user.password_reset_requested')).length;
    await page.getByRole('button', { name: 'Require password reset' }).click();
    await poll(async () => (await auditOf('user.password_reset_requested')).length).toBe(resets + 1);
    expect((await auditOf('user.password_reset_requested'))[0]).toMatchObject(byOperator);

    const { results } = (await (await page.request.get(`${server.url}/api/v1/search/users?query=ada@example.com`)).json()) as { results: { id: string }[] };
    await apiPost(`/api/v1/users/${results[0]!.id}/mfa`, { type: 'totp' });
    await openUser('ada@example.com');
    const mfa = page.getByRole('table', { name: 'MFA factors by scope' });
    await mfa.getByRole('button', { name: /^Reset this factor \(.*Environment\)$/ }).click();
    await poll(() => mfa.locator('tbody tr').first().textContent()).toContain('None');
    expect((await auditOf('user.mfa_factor_reset'))[0]).toMatchObject(byOperator);
  }, 60_000);

  it('deletes with each extent, after a confirmation that explains both', async () => {
    await openUser('linus@example.com');
    await page.getByRole('button', { name: 'Delete user…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this user' });
    expect(await dialog.textContent()).toContain('the profile stays');
    expect(await dialog.textContent()).toContain('removed completely');
    await dialog.getByLabel(/Revoke access/).check();
    await dialog.getByRole('button', { name: 'Delete user' }).click();
    await heading('Users').waitFor();

    await openUser('bad.row@example.com');
    await page.getByRole('button', { name: 'Delete user…' }).click();
    await page
      .getByRole('dialog')
      .getByLabel(/Delete the profile/)
      .check();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete user' }).click();
    await heading('Users').waitFor();

    const audit = async (type: string) =>
      ((await (await page.request.get(`${server.url}/api/v1/audit_log?type=${type}`)).json()) as { audit_log: { email: string | null; details: Record<string, unknown> }[] }).audit_log;
    await poll(async () => (await audit('user.access_revoked')).length).toBe(1);
    await poll(async () => (await audit('user.deleted')).length).toBe(1);
  });

  it('every other page renders with no serious or critical accessibility violation, and no CSP violation anywhere', async () => {
    await nav('Organizations');
    await page.getByRole('button', { name: 'Show members of Acme' }).waitFor();
    const defaultOrg = page.getByRole('button', { name: /Show members of/ }).first();
    await defaultOrg.click();
    await page.getByRole('table', { name: /Members of/ }).waitFor();
    await check('organizations');

    await nav('Roles');
    await page.getByRole('button', { name: 'Show permissions and holders of Support agent' }).click();
    await page.getByRole('table', { name: 'Holders of Support agent' }).getByRole('link', { name: 'ada@example.com' }).waitFor();
    await check('roles');

    await nav('Subscribers');
    await heading('Subscribers').waitFor();
    await check('subscribers');

    await nav('System');
    await page.getByRole('table', { name: 'Projections' }).locator('tbody tr').first().waitFor();
    await page.getByLabel('Client name').fill('Billing sync');
    await page.getByLabel('Scopes').fill('read:users, read:organizations');
    await page.getByRole('button', { name: 'Create client' }).click();
    const secret = await page.locator('.notice .secret').textContent();
    expect(secret?.length).toBeGreaterThanOrEqual(16);
    const clients = page.getByRole('table', { name: 'API clients' });
    await clients.getByRole('cell', { name: 'Billing sync', exact: true }).waitFor();
    // Shown once: the list never carries it.
    expect(await clients.textContent()).not.toContain(secret);
    await check('system');
    await page.getByRole('button', { name: 'Revoke Billing sync' }).click();
    await clients.getByText(/^Revoked/).waitFor();

    expect(Object.keys(a11y).sort()).toEqual(['audit', 'import', 'organizations', 'permissions', 'roles', 'setup', 'sign-in', 'subscribers', 'system', 'user', 'users']);
    expect(a11y).toEqual(Object.fromEntries(Object.keys(a11y).map((k) => [k, []])));
    expect(cspViolations).toEqual([]);
  });

  it("rebuilds a projection and retries a webhook delivery from the System page; the audit page shows these and the API client as the operator's", async () => {
    // A webhook to a closed local port: its delivery fails and waits for its next attempt.
    await apiPost('/api/v1/webhooks', { name: 'Audit hook', endpoint: 'http://127.0.0.1:9/hook', event_types: ['user.created'] });
    await apiPost('/api/v1/user', { profile: { given_name: 'Hook' }, identities: [{ type: 'email', details: { email: 'hook@example.com' } }] });

    await nav('Users'); // the previous test ended on System: come back to load the new webhook
    await nav('System');
    await page.getByRole('button', { name: 'Rebuild roles' }).click();
    await page.getByRole('button', { name: 'Show deliveries of Audit hook' }).click();
    const deliveries = page.getByRole('table', { name: 'Deliveries of Audit hook' });
    await deliveries
      .getByRole('button', { name: /^Retry delivery / })
      .first()
      .click();
    await poll(async () => (await auditOf('webhook.delivery_retry_requested')).length).toBe(1);

    const rebuilds = await auditPageRows('projection.');
    expect(rebuilds[0]).toContain('projection.rebuild_requested');
    expect(rebuilds[0]).toContain('operator');
    expect(rebuilds[0]).toContain('admin');
    const clients = await auditPageRows('api_client.');
    expect(clients.map((r) => /api_client\.(created|revoked)/.exec(r)?.[0])).toEqual(['api_client.revoked', 'api_client.created']);
    for (const row of clients) expect(row).toContain('operator');
    const sessions = await auditPageRows('operator.');
    expect(sessions.some((r) => r.includes('operator.sign_in_failed'))).toBe(true);
    expect(sessions.some((r) => r.includes('operator.signed_out'))).toBe(true);
    expect(sessions.some((r) => r.includes('operator.created'))).toBe(true);
    expect((await auditOf('webhook.delivery_retry_requested'))[0]).toMatchObject(byOperator);
  }, 60_000);
});
