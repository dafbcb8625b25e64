import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { consoleClient, OPERATOR, setUpFirstOperator, type ConsoleClient } from './support';

/**
 * Issue 14: "every action taken in the console is audited with actor
 * {type: operator, id} and source admin" — the console-only actions too, which
 * change no aggregate: setup, sign-in (failed ones included), sign-out, API
 * clients, projection rebuilds, webhook retries, and imports started from the
 * console. Each is an event; the audit log (a projection) shows it.
 */
interface Entry {
  type: string;
  actor: { type: string; id: string | null };
  source: string;
  ip: string | null;
  details: Record<string, unknown>;
}

let t: TestApp;
let c: ConsoleClient;
let operatorId: string;
beforeAll(async () => {
  t = await startTestApp({ env: { ROSTER_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
  c = await setUpFirstOperator(t);
  operatorId = ((await (await c.request('GET', '/admin/api/session')).json()) as { operator: { id: string } }).operator.id;
});
afterAll(async () => {
  await t?.close();
});

/** The entries of a type (or prefix), newest first, once the audit projection has caught up with the store. */
async function audit(type: string): Promise<Entry[]> {
  await t.runtime.projector.waitFor(await t.runtime.store.headPosition(), 10_000);
  const res = await c.request('GET', `/api/v1/audit_log?type=${encodeURIComponent(type)}&page_size=100`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { audit_log: Entry[] }).audit_log;
}
const byOperator = () => ({ actor: { type: 'operator', id: operatorId }, source: 'admin' });

describe('operator sessions in the audit log', () => {
  it('first-operator setup records the operator created and signed in, by that operator', async () => {
    const [created] = await audit('operator.created');
    expect(created).toMatchObject({ ...byOperator(), details: { operatorId: operatorId, email: OPERATOR.email, totp: false, firstOperator: true } });
    expect(created!.ip).not.toBeNull();
    expect((await audit('operator.signed_in')).map((e) => e.actor.id)).toEqual([operatorId]);
  });

  it('failed sign-ins are recorded with their reason and never the password typed', async () => {
    const wrong = await consoleClient(t).request('POST', '/admin/api/sign_in', { json: { email: OPERATOR.email, password: 'not the password at all' } });
    expect(wrong.status).toBe(401);
    const unknown = await consoleClient(t).request('POST', '/admin/api/sign_in', { json: { email: 'nobody@example.com', password: 'not the password either' } });
    expect(unknown.status).toBe(401);
    const failed = await audit('operator.sign_in_failed');
    expect(failed).toHaveLength(2);
    expect(failed[0]).toMatchObject({ actor: { type: 'operator', id: null }, source: 'admin', details: { email: 'nobody@example.com', reason: 'unknown_operator' } });
    expect(failed[1]).toMatchObject({ ...byOperator(), details: { operatorId: operatorId, reason: 'wrong_password' } });
    expect(JSON.stringify(failed)).not.toContain('not the password');
  });

  it('sign-out is recorded', async () => {
    const other = consoleClient(t);
    const res = await other.request('POST', '/admin/api/sign_in', { json: OPERATOR });
    other.csrf = ((await res.json()) as { csrf_token: string }).csrf_token;
    expect((await other.request('POST', '/admin/api/sign_out')).status).toBe(204);
    const [out] = await audit('operator.signed_out');
    expect(out).toMatchObject({ ...byOperator(), details: { operatorId: operatorId, email: OPERATOR.email } });
  });
});

describe('console-only actions in the audit log', () => {
  it('an API client created and revoked, never with its secret', async () => {
    const res = await c.request('POST', '/api/v1/clients', { json: { name: 'Billing sync', scopes: ['read:users'] } });
    expect(res.status).toBe(201);
    const { client_id, client_secret } = (await res.json()) as { client_id: string; client_secret: string };
    expect((await c.request('DELETE', `/api/v1/clients/${client_id}`)).status).toBe(200);
    const entries = await audit('api_client.');
    expect(entries.map((e) => e.type)).toEqual(['api_client.revoked', 'api_client.created']);
    expect(entries[1]).toMatchObject({ ...byOperator(), details: { clientId: client_id, name: 'Billing sync', scopes: ['read:users'] } });
    expect(entries[0]).toMatchObject({ ...byOperator(), details: { clientId: client_id } });
    expect(JSON.stringify(entries)).not.toContain(client_secret);
  });

  it('a projection rebuild', async () => {
    const res = await c.request('POST', '/api/v1/projections/roles/rebuild?wait=true');
    expect(res.status).toBe(200);
    const [entry] = await audit('projection.');
    expect(entry).toMatchObject({ type: 'projection.rebuild_requested', ...byOperator(), details: { projection: 'roles', version: expect.any(Number) } });
  });

  it('a webhook delivery retried', async () => {
    const hook = await c.request('POST', '/api/v1/webhooks', { json: { name: 'Audit hook', endpoint: 'http://127.0.0.1:9/hook', event_types: ['user.created'] } });
    expect(hook.status).toBe(200);
    const webhookId = ((await hook.json()) as { webhook: { id: string } }).webhook.id;
    expect((await c.request('POST', '/api/v1/user', { json: { profile: { given_name: 'Hook' }, identities: [{ type: 'email', details: { email: 'hook@example.com' } }] } })).status).toBe(200);
    await t.runtime.projector.waitFor(await t.runtime.store.headPosition(), 10_000);
    const [delivery]: { id: string | number }[] = await t.runtime.db.knex('webhook_deliveries').where({ webhook_id: webhookId }).select('id');
    expect(delivery).toBeDefined();
    const retried = await c.request('POST', `/api/v1/webhooks/${webhookId}/deliveries/${delivery!.id}/retry`);
    expect(retried.status).toBe(200);
    const [entry] = await audit('webhook.delivery_retry_requested');
    expect(entry).toMatchObject({ ...byOperator(), details: { webhookId, deliveryId: Number(delivery!.id) } });
  });

  it('an import started from the console: the operator is the actor of the job and of each imported user, with the import details', async () => {
    const csv = 'email,first_name\nimported@example.com,Imp\n';
    const form = new FormData();
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'people.csv');
    const res = await c.request('POST', '/api/v1/imports', { body: form });
    expect(res.status).toBe(202);
    const importId = ((await res.json()) as { import: { id: string } }).import.id;
    await t.runtime.imports.idle();
    const [started] = await audit('import.started');
    expect(started).toMatchObject(byOperator());
    const [imported] = await audit('user.imported');
    expect(imported).toMatchObject({ ...byOperator(), details: { import: { id: importId, file_name: 'people.csv', lines: [2], checksum: expect.any(String) } } });
    // The job's events still name who asked for it as their causation (the imports read model's requested_by).
    const events = await t.runtime.store.readStream(`import-${importId}`);
    expect(events.map((e) => e.metadata.causationId)).toEqual(events.map(() => operatorId));
  });
});

describe('the other read models', () => {
  it('take these events in their stride: no projection recorded a failed event', async () => {
    await t.runtime.projector.waitFor(await t.runtime.store.headPosition(), 10_000);
    expect(await t.runtime.db.knex('projection_failed_events').select('projection', 'event_id')).toEqual([]);
  });
});
