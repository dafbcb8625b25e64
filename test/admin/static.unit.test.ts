import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app';
import { adminStaticRoutes, CONSOLE_CSP } from '../../src/http/admin/static';
import { createLogger } from '../../src/logger';

/** The console's files at /admin: SPA fallback, CSP, the / redirect, and the 503 page without a build. */
const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-web-'));
const servers: Server[] = [];
let built = '';
let unbuilt = '';

async function listen(webDist: string): Promise<string> {
  const app = createApp({ logger: createLogger('silent'), routes: [adminStaticRoutes({ webDist })] });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  fs.mkdirSync(path.join(dist, 'assets'));
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Roster</title><script type="module" src="/admin/assets/app-1234.js"></script>');
  fs.writeFileSync(path.join(dist, 'assets', 'app-1234.js'), 'console.log("roster")');
  built = await listen(dist);
  unbuilt = await listen(path.join(dist, 'missing'));
});
afterAll(() => {
  for (const s of servers) s.close();
  fs.rmSync(dist, { recursive: true, force: true });
});

describe('/admin static files', () => {
  it('redirects / to /admin with a 302', async () => {
    const res = await fetch(`${built}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/admin');
  });

  it.each(['/admin', '/admin/', '/admin/users', '/admin/users/kp_0123/activity'])('answers %s with index.html under the CSP', async (p) => {
    const res = await fetch(`${built}${p}`, { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Roster</title>');
    expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('the CSP allows no inline script', () => {
    const script = CONSOLE_CSP.split(';')
      .map((d) => d.trim())
      .find((d) => d.startsWith('script-src'));
    expect(script).toBe("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
  });

  it('serves built assets with a long cache, and a missing asset is a 404', async () => {
    const res = await fetch(`${built}/admin/assets/app-1234.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(await res.text()).toContain('roster');
    expect((await fetch(`${built}/admin/assets/gone-9999.js`)).status).toBe(404);
  });

  it('leaves /admin/api paths to the API (a JSON 404 here, never the app)', async () => {
    const res = await fetch(`${built}/admin/api/nothing`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('ROUTE_NOT_FOUND');
  });

  it('answers 503 with a plain page when web/dist was not built', async () => {
    const res = await fetch(`${unbuilt}/admin/users`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('console was not built');
  });
});
