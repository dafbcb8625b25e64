import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';

/** POST /api/v1/imports and the job, error-log and failed-rows endpoints, over HTTP with a real token. */
describe('imports over HTTP', () => {
  let app: TestApp;
  let token: string;
  beforeAll(async () => {
    app = await startTestApp({ env: { ROSTER_IMPORT_MAX_BYTES: '20000' } });
    token = await app.token();
  });
  afterAll(async () => app?.close());

  const call = (method: string, path: string, init: { body?: RequestInit['body']; headers?: Record<string, string> } = {}) =>
    fetch(`${app.url}${path}`, { method, body: init.body, headers: { authorization: `Bearer ${token}`, ...init.headers } });

  async function submitAndFinish(body: RequestInit['body'], query = '', headers: Record<string, string> = { 'content-type': 'text/csv' }) {
    const res = await call('POST', `/api/v1/imports${query}`, { body, headers });
    expect(res.status).toBe(202);
    const { import: job } = (await res.json()) as { import: { id: string; status: string } };
    expect(job.status).toBe('queued');
    await app.runtime.imports.idle();
    expect(await app.runtime.projector.waitFor(await app.runtime.store.headPosition(), 10_000)).toBe(true);
    return job.id;
  }

  const csv = 'email,first_name,last_name,phone\nada@example.com,Ada,Lovelace,\nnot-an-email,=HYPERLINK("x"),Bad,\ngrace@example.com,Grace,Hopper,12345\n';

  it('accepts a CSV body, runs the job, and reports progress, counts and errors', async () => {
    const id = await submitAndFinish(csv);
    const res = await call('GET', `/api/v1/imports/${id}`);
    expect(res.status).toBe(200);
    const { import: job } = (await res.json()) as { import: Record<string, unknown> };
    expect(job).toMatchObject({
      id,
      status: 'completed',
      format: 'csv',
      mode: 'merge',
      dry_run: false,
      progress: { bytes_read: Buffer.byteLength(csv), total_bytes: Buffer.byteLength(csv), rows_read: 3 },
      counts: { rows: 3, rows_failed: 2, rows_with_warnings: 0, users_created: 1, users_updated: 0, users_unchanged: 0, users_skipped: 0 },
    });
    expect(typeof job.created_on).toBe('string');
    expect(typeof job.finished_on).toBe('string');

    const errors = (await (await call('GET', `/api/v1/imports/${id}/errors?severity=error&page_size=1`)).json()) as { errors: { line: number; code: string }[]; next_token: string | null };
    expect(errors.errors).toEqual([{ line: 3, severity: 'error', code: 'INVALID_EMAIL', field: 'email', message: expect.any(String), user_key: null }]);
    expect(errors.next_token).toBeTruthy();
    const next = (await (await call('GET', `/api/v1/imports/${id}/errors?severity=error&next_token=${errors.next_token}`)).json()) as { errors: { line: number; code: string }[] };
    expect(next.errors.map((e) => [e.line, e.code])).toEqual([[4, 'INVALID_PHONE']]);

    // The failed rows, in the file's own format, with the error added and formula cells escaped.
    const file = await call('GET', `/api/v1/imports/${id}/errors.csv`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await file.text()).trim().split(/\r?\n/);
    expect(lines[0]).toBe('email,first_name,last_name,phone,error_code,error_message');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^not-an-email,"'=HYPERLINK\(""x""\)",Bad,,INVALID_EMAIL,/);
    expect(lines[2]).toMatch(/^grace@example.com,Grace,Hopper,12345,INVALID_PHONE,/);
    expect((await call('GET', `/api/v1/imports/${id}/errors.ndjson`)).status).toBe(400);

    const list = (await (await call('GET', '/api/v1/imports')).json()) as { imports: { id: string }[] };
    expect(list.imports.map((i) => i.id)).toContain(id);
  });

  it('accepts a gzip body and a multipart upload, and supports dry runs', async () => {
    const gz = await submitAndFinish(gzipSync(Buffer.from('{"first_name":"Zed","identities":[{"type":"email","identity":"zed@example.com"}]}\n')), '?format=kinde_ndjson', {
      'content-type': 'application/x-ndjson',
      'content-encoding': 'gzip',
    });
    const gzJob = (await (await call('GET', `/api/v1/imports/${gz}`)).json()) as { import: { counts: { users_created: number }; format: string } };
    expect(gzJob.import).toMatchObject({ format: 'kinde_ndjson', counts: { users_created: 1 } });

    const form = new FormData();
    form.append('file', new Blob(['email\nmulti@example.com\n'], { type: 'text/csv' }), 'users.csv');
    const mp = await submitAndFinish(form, '?dry_run=true', {});
    const mpJob = (await (await call('GET', `/api/v1/imports/${mp}`)).json()) as { import: { dry_run: boolean; counts: { users_created: number } } };
    expect(mpJob.import).toMatchObject({ dry_run: true, counts: { users_created: 1 } });
    const users = (await (await call('GET', '/api/v1/users?email=multi@example.com')).json()) as { users?: unknown[] };
    expect(users.users ?? []).toHaveLength(0);
  });

  it('rejects a file that is not UTF-8 at once (INVALID_ENCODING with the byte offset) and records nothing', async () => {
    const before = (await app.runtime.store.stats()).events;
    const res = await call('POST', '/api/v1/imports', {
      body: Buffer.concat([Buffer.from('email\nb'), Buffer.from([0xff, 0xfe]), Buffer.from('@example.com\n')]),
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: [{ code: 'INVALID_ENCODING', message: expect.stringContaining('byte offset 7') }] });
    expect((await app.runtime.store.stats()).events).toBe(before);
  });

  it('refuses a gzip bomb at the decompressed size cap', async () => {
    const before = (await app.runtime.store.stats()).events;
    const res = await call('POST', '/api/v1/imports', {
      body: gzipSync(Buffer.from('email\n' + 'x@example.com\n'.repeat(100_000))),
      headers: { 'content-type': 'text/csv', 'content-encoding': 'gzip' },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('FILE_TOO_LARGE');
    expect((await app.runtime.store.stats()).events).toBe(before);
  });

  it.each([
    ['an unknown format', '?format=xml', 'text/csv', 400, 'INVALID_REQUEST'],
    ['a body over ROSTER_IMPORT_MAX_BYTES', '', 'text/csv', 413, 'FILE_TOO_LARGE'],
  ])('refuses %s with a stable code and records nothing', async (_label, query, type, status, code) => {
    const before = (await app.runtime.store.stats()).events;
    const body = code === 'FILE_TOO_LARGE' ? 'email\n' + 'x@example.com\n'.repeat(3000) : 'email\n';
    const res = await call('POST', `/api/v1/imports${query}`, { body, headers: { 'content-type': type } });
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ errors: [{ code, message: expect.any(String) }] });
    expect((await app.runtime.store.stats()).events).toBe(before);
  });

  it('needs the imports scopes', async () => {
    const weak = await app.token({ scope: 'read:users' });
    const res = await fetch(`${app.url}/api/v1/imports`, { method: 'POST', body: 'email\n', headers: { authorization: `Bearer ${weak}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('MISSING_SCOPE');
  });

  it('keeps reports until deleted', async () => {
    const id = await submitAndFinish('email\ndel@example.com\n');
    const del = await call('DELETE', `/api/v1/imports/${id}`);
    expect(del.status).toBe(200);
    await app.runtime.projector.waitFor(await app.runtime.store.headPosition(), 10_000);
    expect((await call('GET', `/api/v1/imports/${id}`)).status).toBe(404);
    expect((await call('GET', `/api/v1/imports/${id}/errors`)).status).toBe(404);
  });
});
