import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';

/** Provider formats, map= and the Firebase hash parameters over HTTP; failed-rows files in the source's own format. */
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../fixtures/import', name), 'utf8');
const HASH = JSON.parse(fixture('firebase-hash-config.json')) as { hash_config: Record<string, string | number> };

describe('provider imports over HTTP', () => {
  let app: TestApp;
  let token: string;
  beforeAll(async () => {
    app = await startTestApp();
    token = await app.token();
  });
  afterAll(async () => app?.close());

  const call = (method: string, p: string, init: { body?: RequestInit['body']; headers?: Record<string, string> } = {}) =>
    fetch(`${app.url}${p}`, { method, body: init.body, headers: { authorization: `Bearer ${token}`, ...init.headers } });

  async function submitAndFinish(body: RequestInit['body'], query = '', headers: Record<string, string> = { 'content-type': 'text/csv' }) {
    const res = await call('POST', `/api/v1/imports${query}`, { body, headers });
    expect(res.status, await res.clone().text()).toBe(202);
    const { import: job } = (await res.json()) as { import: { id: string } };
    await app.runtime.imports.idle();
    expect(await app.runtime.projector.waitFor(await app.runtime.store.headPosition(), 10_000)).toBe(true);
    const got = (await (await call('GET', `/api/v1/imports/${job.id}`)).json()) as { import: { id: string; status: string; format: string; counts: Record<string, number> } };
    return got.import;
  }

  it('firebase JSON with the hash parameters as query parameters; errors.ndjson holds the failed Firebase records', async () => {
    const q = new URLSearchParams({
      format: 'firebase',
      base64_signer_key: String(HASH.hash_config.base64_signer_key),
      base64_salt_separator: String(HASH.hash_config.base64_salt_separator),
      rounds: '8',
      mem_cost: '14',
    });
    const job = await submitAndFinish(fixture('firebase-users.json'), `?${q.toString()}`, { 'content-type': 'application/json' });
    expect(job).toMatchObject({ status: 'completed', format: 'firebase', counts: { rows: 5, rows_failed: 1, users_created: 4 } });
    const issues = (await (await call('GET', `/api/v1/imports/${job.id}/errors`)).json()) as { errors: { code: string }[] };
    // The hash parameters were given: no PASSWORD_NOT_IMPORTED for the scrypt user, and nothing secret in any message.
    expect(JSON.stringify(issues)).not.toContain(String(HASH.hash_config.base64_signer_key));
    const ndjson = await call('GET', `/api/v1/imports/${job.id}/errors.ndjson`);
    expect(ndjson.status).toBe(200);
    const lines = (await ndjson.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { localId: string; _error: { code: string } });
    expect(lines).toEqual([expect.objectContaining({ localId: 'fb-user-4', _error: expect.objectContaining({ code: 'INVALID_EMAIL', line: 4 }) })]);
    expect((await call('GET', `/api/v1/imports/${job.id}/errors.csv`)).status).toBe(400);
    // The job's report does not carry the hash parameters either.
    expect(JSON.stringify(await (await call('GET', `/api/v1/imports/${job.id}`)).json())).not.toContain(String(HASH.hash_config.base64_signer_key));
  });

  it('incomplete hash parameters are a 400 before anything is recorded', async () => {
    const before = (await (await call('GET', '/api/v1/imports?page_size=100')).json()) as { imports: unknown[] };
    const res = await call('POST', '/api/v1/imports?format=firebase&rounds=8', { body: fixture('firebase-users.json'), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('base64_signer_key') });
    const after = (await (await call('GET', '/api/v1/imports?page_size=100')).json()) as { imports: unknown[] };
    expect(after.imports).toHaveLength(before.imports.length);
  });

  it("a Clerk CSV is detected; errors.csv keeps Clerk's columns", async () => {
    const job = await submitAndFinish(fixture('clerk-users.csv'));
    expect(job).toMatchObject({ format: 'clerk', counts: { rows: 4, rows_failed: 1 } });
    const text = await (await call('GET', `/api/v1/imports/${job.id}/errors.csv`)).text();
    const [header, row] = text.trim().split(/\r?\n/);
    expect(header).toBe(
      'id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher,error_code,error_message',
    );
    expect(row).toMatch(/^user_2dEfGhIjKlMnOpQrStUvWxYzAb4,+MISSING_IDENTITY,/);
  });

  it('map= as a multipart field before the file; a bad map is a 400', async () => {
    const form = new FormData();
    form.append('map', fixture('homegrown-map.json'));
    form.append('file', new Blob([fixture('homegrown-users.csv')], { type: 'text/csv' }), 'legacy.csv');
    const job = await submitAndFinish(form, '?dry_run=true', {});
    expect(job).toMatchObject({ format: 'csv', counts: { rows: 3, rows_failed: 1, users_created: 2 } });

    const bad = await call('POST', `/api/v1/imports?map=${encodeURIComponent('{"columns":{"mail":"shoe_size"}}')}`, { body: fixture('homegrown-users.csv'), headers: { 'content-type': 'text/csv' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('INVALID_REQUEST');
  });

  it('the dry run reports POSSIBLE_DUPLICATE through the error log', async () => {
    const job = await submitAndFinish('email,id\nkim@example.com,k1\nＫＩＭ@example.com,k2\n', '?dry_run=true&migration=crm');
    expect(job.counts.rows_with_warnings).toBe(1);
    const warnings = (await (await call('GET', `/api/v1/imports/${job.id}/errors?severity=warning`)).json()) as { errors: { line: number; code: string; message: string }[] };
    expect(warnings.errors).toEqual([expect.objectContaining({ line: 3, code: 'POSSIBLE_DUPLICATE', message: expect.stringContaining('line 2') })]);
  });
});
