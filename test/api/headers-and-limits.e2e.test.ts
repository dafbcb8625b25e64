import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app';
import { createLogger } from '../../src/logger';
import { startTestApp, TEST_ADMIN, type TestApp } from '../support/app';

/**
 * Security headers on every response (errors included), a body-size limit on
 * every JSON route, and error bodies that never carry a stack trace, an
 * internal address or a secret.
 */

let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await startTestApp();
  token = await t.token();
});
afterAll(async () => {
  await t?.close();
});

const auth = () => ({ authorization: `Bearer ${token}` });

function expectSecurityHeaders(res: Response, what: string) {
  const h = (name: string) => res.headers.get(name);
  expect(h('x-content-type-options'), what).toBe('nosniff');
  expect(h('x-frame-options'), what).toBe('SAMEORIGIN');
  expect(h('content-security-policy'), what).toContain("frame-ancestors 'self'");
  expect(h('strict-transport-security'), what).toMatch(/max-age=\d+/);
  expect(h('referrer-policy'), what).toBe('no-referrer');
  expect(h('cross-origin-opener-policy'), what).toBe('same-origin');
  expect(h('cross-origin-resource-policy'), what).toBe('same-origin');
  expect(h('x-powered-by'), what).toBeNull();
}

/** Nothing an attacker could learn the internals from. */
function expectNoInternals(text: string, what: string) {
  expect(text, what).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|\.js:\d+|postgres(ql)?:\/\/|ECONNREFUSED|\/work\/|\/home\/|\/srv\//);
  expect(text, what).not.toContain(TEST_ADMIN.secret);
}

/** Every operation with a JSON body, from the API's own OpenAPI document. */
async function jsonOperations(): Promise<{ method: string; path: string }[]> {
  const doc = (await (await fetch(`${t.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>> };
  const out: { method: string; path: string }[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (op.requestBody?.content['application/json']) out.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'x') });
    }
  }
  return out;
}

describe('security headers', () => {
  it('are on every kind of response: success, auth failure, not found, bad input, too large, token endpoint, JWKS, health', async () => {
    const responses: [string, Response][] = [
      ['health', await fetch(`${t.url}/health`)],
      ['jwks', await fetch(`${t.url}/.well-known/jwks.json`)],
      ['openapi', await fetch(`${t.url}/api/v1/openapi.json`)],
      ['token 401', await fetch(`${t.url}/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' }) })],
      ['users 200', await fetch(`${t.url}/api/v1/users`, { headers: auth() })],
      ['users 403', await fetch(`${t.url}/api/v1/users`)],
      ['404', await fetch(`${t.url}/no/such/route`)],
      ['400 json', await fetch(`${t.url}/api/v1/user`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: '{"x":' })],
      ['413', await fetch(`${t.url}/api/v1/user`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ x: 'y'.repeat(1_100_000) }) })],
    ];
    for (const [what, res] of responses) expectSecurityHeaders(res, what);
  });
});

describe('body-size limits', () => {
  it('every JSON route refuses a body over 1 MB with 413 PAYLOAD_TOO_LARGE', async () => {
    const ops = await jsonOperations();
    expect(ops.length).toBeGreaterThan(20);
    const big = JSON.stringify({ padding: 'z'.repeat(1_100_000) });
    for (const { method, path } of [...ops, { method: 'POST', path: '/api/v1/projections/users_v2/rebuild' }]) {
      const res = await fetch(`${t.url}${path}`, { method, headers: { ...auth(), 'content-type': 'application/json' }, body: big });
      expect(res.status, `${method} ${path}`).toBe(413);
      expect(await res.json(), `${method} ${path}`).toEqual({ errors: [{ code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' }] });
    }
  });

  it('the token endpoint refuses a form body over 1 MB', async () => {
    const res = await fetch(`${t.url}/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: 's'.repeat(1_100_000) }) });
    expect(res.status).toBe(413);
  });
});

describe('error bodies', () => {
  it('malformed, mistyped and oddly encoded bodies on every JSON route answer 4xx in Kinde shape without internals', async () => {
    const ops = await jsonOperations();
    const bodies: [string, Record<string, string>][] = [
      ['{"unterminated": ', { 'content-type': 'application/json' }],
      ['[1,2,3]', { 'content-type': 'application/json' }],
      ['{"identities": 12, "profile": {"given_name": {"$gt": ""}}}', { 'content-type': 'application/json' }],
      ['{"a":1}', { 'content-type': 'application/json; charset=utf-7' }],
    ];
    for (const { method, path } of ops) {
      for (const [body, headers] of bodies) {
        const res = await fetch(`${t.url}${path}`, { method, headers: { ...auth(), ...headers }, body });
        const text = await res.text();
        const what = `${method} ${path} ${body} ${headers['content-type']}`;
        expect(res.status, what).toBeGreaterThanOrEqual(400);
        expect(res.status, what).toBeLessThan(500);
        expect(Object.keys(JSON.parse(text) as object), what).toEqual(['errors']);
        expectNoInternals(text, what);
      }
    }
  });

  it('an unexpected error is a 500 with a generic body: no message, stack, path or address, even from a system error with an upper-case code', async () => {
    const app = createApp({
      logger: createLogger('silent'),
      routes: [
        (router) => {
          router.get('/boom', () => {
            throw new Error(`boom at /srv/roster/src/x.ts:12 with ${TEST_ADMIN.secret}`);
          });
          router.get('/refused', () => {
            throw Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:5432'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect', address: '10.1.2.3', port: 5432 });
          });
          router.get('/node', () => {
            throw Object.assign(new TypeError('The "path" argument must be of type string. Received undefined at /srv/roster/node_modules/x.js:1'), { code: 'ERR_INVALID_ARG_TYPE' });
          });
        },
      ],
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const path of ['/boom', '/refused', '/node']) {
        const res = await fetch(`${base}${path}`);
        expect(res.status, path).toBe(500);
        const text = await res.text();
        // The correlation id is the request id: the same id is logged with the error.
        expect(JSON.parse(text), path).toEqual({ errors: [{ code: 'INTERNAL_ERROR', message: `Internal error (correlation id ${res.headers.get('x-request-id')})` }] });
        expectNoInternals(text, path);
        expectSecurityHeaders(res, path);
      }
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  });
});
