import { decodeWebhook } from '@kinde/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookDispatcher, type WebhookDispatcher } from '../../src/webhooks/dispatcher';
import { createKeyRing } from '../../src/http/auth/keys';
import { createWebhookSigner } from '../../src/webhooks/signer';
import { startTestApp, type TestApp } from '../support/app';
import { DISPATCH_FAST, startReceiver, until, type Receiver } from './harness';

/**
 * The whole composition root (createServerApp, allProjections, the dispatcher as
 * `roster serve` starts it): a webhook created over the API receives `user.created`
 * for a user created over the API and an import's `import.completed`, and Kinde's
 * decoder verifies both against Roster's JWKS.
 */
describe('webhooks through the served app', () => {
  let app: TestApp;
  let receiver: Receiver;
  let dispatcher: WebhookDispatcher;
  let token: string;
  beforeAll(async () => {
    // The receiver listens on loopback, which webhooks may target only when allowed.
    app = await startTestApp({ env: { ROSTER_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    receiver = await startReceiver();
    const keyRing = createKeyRing(app.runtime.db.knex, app.runtime.keyCipher);
    dispatcher = startWebhookDispatcher({
      knex: app.runtime.db.knex,
      signer: createWebhookSigner(() => keyRing.signing()),
      logger: app.runtime.logger,
      config: app.runtime.config,
      options: DISPATCH_FAST,
    });
    token = await app.token();
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await receiver?.close();
    await app?.close();
  });

  const api = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': type } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('delivers signed user.created and import.completed events that @kinde/webhooks decodes', async () => {
    const created = await api('POST', '/api/v1/webhooks', { name: 'all', endpoint: receiver.url, event_types: ['user.created', 'import.completed'] });
    expect(created.status).toBe(200);
    const user = await api('POST', '/api/v1/user', { profile: { given_name: 'Ada' }, identities: [{ type: 'email', details: { email: 'ada@example.com' } }] });
    expect(user.status).toBe(200);
    expect((await api('POST', '/api/v1/imports', 'email\nbob@example.com\n', 'text/csv')).status).toBe(202);
    await app.runtime.imports.idle();

    await until('two deliveries', () => receiver.received.length >= 2 && receiver.received);
    const decoded = await Promise.all(receiver.received.map((r) => decodeWebhook(r.body, app.url)));
    const byType = Object.fromEntries(decoded.map((d) => [d!.type, d]));
    expect(byType['user.created']).toMatchObject({ type: 'user.created', source: 'api', data: { user: { id: user.body.id } } });
    expect(byType['import.completed']).toMatchObject({ type: 'import.completed' });
    expect(receiver.received.every((r) => r.contentType === 'application/jwt')).toBe(true);
  });
});
