import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, seriousA11yViolations, startServer, type RunningServer } from './support';

/**
 * The import page in a real Chromium against a real `roster serve`: the dry
 * run's duplicate report — each likely duplicate, its line and user beside the
 * line and user it probably duplicates, nothing written — and the options a
 * migration from another provider needs (a migration name, Firebase's hash
 * parameters).
 */
const FIXTURES = path.join(import.meta.dirname, '../fixtures/import');
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000 });
const OPERATOR = { email: 'dups@example.com', password: 'a long operator passphrase 43' };
const DUPLICATES_CSV = [
  'email,id,username,first_name,last_name',
  'ada@example.com,d1,paul,Ada,Lovelace',
  'ＡＤＡ@example.com,d2,,Ada,Byron',
  'grace@example.com,d3,pau1,Grace,Hopper',
  'linus@example.com,d4,linus,Linus,Torvalds',
  '',
].join('\n');

describe("import page: the dry run's duplicate report", () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC', locale: 'en-GB' });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
    await page.goto(server.setupLink);
    await page.getByRole('heading', { level: 1, name: 'Create the first operator' }).waitFor();
    await page.getByLabel('Email').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Create operator' }).click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function dryRun(name: string, csv: string, options: { migration?: string; format?: string; hashConfig?: string } = {}) {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Import users' }).waitFor();
    await page.getByLabel(/Users file/).setInputFiles({ name, mimeType: name.endsWith('.json') ? 'application/json' : 'text/csv', buffer: Buffer.from(csv) });
    await page.getByLabel('Format').selectOption(options.format ?? '');
    await page.getByLabel('Migration (optional)').fill(options.migration ?? '');
    if (options.hashConfig !== undefined) await page.getByLabel('Firebase password hash parameters').fill(options.hashConfig);
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('table', { name: 'Planned counts' }).waitFor();
  }

  it('lists every likely duplicate with both lines and users, and writes nothing', async () => {
    await dryRun('duplicates.csv', DUPLICATES_CSV);
    const table = page.getByRole('table', { name: 'Possible duplicates' });
    await table.waitFor();
    expect(await page.getByRole('heading', { name: 'Possible duplicates: 2' }).isVisible()).toBe(true);
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(2);

    // Line 3 (the full-width email) names line 2 and its user; line 4 (pau1) names paul on line 2.
    const email = table.locator('tbody tr[data-line="3"]');
    expect(await email.locator('td').nth(1).textContent()).toBe('id:d2');
    expect(await email.locator('td').nth(2).textContent()).toBe('email');
    expect(await email.locator('td').nth(3).textContent()).toContain('(line 2, id:d1)');
    const username = table.locator('tbody tr[data-line="4"]');
    expect(await username.locator('td').nth(1).textContent()).toBe('id:d3');
    expect(await username.locator('td').nth(2).textContent()).toBe('username');
    expect(await username.locator('td').nth(3).textContent()).toContain('paul (line 2, id:d1)');
    // linus is nobody's duplicate.
    expect(await table.textContent()).not.toContain('linus');

    expect(await seriousA11yViolations(page)).toEqual([]);
    // A dry run: no user was written.
    const users = (await (await page.request.get(`${server.url}/api/v1/users`)).json()) as { users: unknown[] };
    expect(users.users).toHaveLength(0);
  });

  it('after the real import, a dry run of another file reports an email an existing user holds under another id', async () => {
    await page.getByRole('button', { name: 'Run import' }).click();
    await page.getByRole('table', { name: 'Final counts' }).waitFor();
    // The real run's report has no duplicate report (it is the dry run's, which stays above it).
    expect(await page.locator('#run').getByRole('table', { name: 'Possible duplicates' }).count()).toBe(0);
    expect(await page.getByRole('table', { name: 'Possible duplicates' }).count()).toBe(1);

    await dryRun('second.csv', ['email,id,first_name', 'grace@example.com,other-7,Grace', 'new@example.com,n1,New', ''].join('\n'));
    const table = page.getByRole('table', { name: 'Possible duplicates' });
    await table.waitFor();
    const row = table.locator('tbody tr[data-line="2"]');
    expect(await row.locator('td').nth(1).textContent()).toBe('id:other-7');
    await poll(async () => (await row.locator('td').nth(3).textContent()) ?? '').toMatch(/existing user kp_[0-9a-f]{32} under provided id d3/);
    expect(await table.locator('tbody tr').count()).toBe(1);
  });

  it('a dry run with warnings but no duplicate says no likely duplicates were found', async () => {
    await dryRun('clean.csv', ['email,id,external_organization_id', 'solo@example.com,s1,no-such-org', ''].join('\n'));
    await page.getByText('No likely duplicates found.').waitFor();
    expect(await page.getByRole('table', { name: 'Possible duplicates' }).count()).toBe(0);
  });

  it('a migration name: an id another file of the same migration brought is a likely duplicate; under another name it is not', async () => {
    await dryRun('crm-a.csv', ['email,id', 'sam@example.com,s1', ''].join('\n'), { migration: 'legacy-crm' });
    await page.getByRole('button', { name: 'Run import' }).click();
    await page.getByRole('table', { name: 'Final counts' }).waitFor();

    const b = ['email,id', 'samuel@example.com,s1', ''].join('\n');
    await dryRun('crm-b.csv', b, { migration: 'legacy-crm' });
    const table = page.getByRole('table', { name: 'Possible duplicates' });
    await table.waitFor();
    const row = table.locator('tbody tr[data-line="2"]');
    expect(await row.locator('td').nth(2).textContent()).toBe('id');
    expect(await row.locator('td').nth(3).textContent()).toMatch(/The id s1 was already imported from another file of this migration \(import imp_[0-9a-f]+, line 2\) as user kp_/);

    await dryRun('crm-b.csv', b, { migration: 'another-migration' });
    await page.getByText('Clean: no row failed, no warnings.').waitFor();
    expect(await page.getByRole('table', { name: 'Possible duplicates' }).count()).toBe(0);
  });

  it('Firebase: the hash parameters pasted on the page reach the import (without them the passwords are not imported)', async () => {
    const users = fs.readFileSync(path.join(FIXTURES, 'firebase-users.json'), 'utf8');
    const notImported = async () => {
      const issues = page.getByRole('table', { name: 'Import errors and warnings' });
      await issues.locator('tbody tr').first().waitFor();
      return issues.locator('tr[data-code=PASSWORD_NOT_IMPORTED] td:first-child').allTextContents();
    };
    await dryRun('users.json', users, { format: 'firebase', hashConfig: '' });
    // fb-user-1 (record 1) has a real Firebase hash; fb-user-5 (record 5) a bogus one.
    await poll(notImported).toEqual(['1', '5']);

    const config = fs.readFileSync(path.join(FIXTURES, 'firebase-hash-config.json'), 'utf8');
    await dryRun('users.json', users, { format: 'firebase', hashConfig: config });
    await poll(notImported).toEqual(['5']);
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
});
