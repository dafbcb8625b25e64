import { issueSetupToken } from '../../src/operators/setup-token';
import type { TestApp } from '../support/app';

/**
 * A console client for tests: keeps the session cookie as a browser would and
 * sends the same-origin headers a browser sends from the console's own page.
 */
export interface ConsoleClient {
  cookie: string | undefined;
  csrf: string | undefined;
  request(method: string, path: string, options?: { json?: unknown; body?: FormData; headers?: Record<string, string>; csrf?: boolean }): Promise<Response>;
}

export function consoleClient(t: TestApp): ConsoleClient {
  const c: ConsoleClient = {
    cookie: undefined,
    csrf: undefined,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { Origin: t.url, 'Sec-Fetch-Site': 'same-origin', ...options.headers };
      if (c.cookie) headers.Cookie = c.cookie;
      if (options.csrf !== false && c.csrf && !('X-CSRF-Token' in headers)) headers['X-CSRF-Token'] = c.csrf;
      if (options.json !== undefined) headers['Content-Type'] = 'application/json';
      const res = await fetch(`${t.url}${path}`, {
        method,
        headers,
        ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : options.body ? { body: options.body } : {}),
        redirect: 'manual',
      });
      const set = res.headers.getSetCookie().find((h) => h.startsWith('roster_admin='));
      if (set) {
        const value = set.split(';')[0]!.slice('roster_admin='.length);
        c.cookie = value ? `roster_admin=${value}` : undefined;
      }
      return res;
    },
  };
  return c;
}

export const OPERATOR = { email: 'ops@example.com', password: 'correct horse battery staple' } as const;

/** Creates the first operator through the setup link and returns a signed-in client. */
export async function setUpFirstOperator(t: TestApp): Promise<ConsoleClient> {
  const token = await issueSetupToken(t.runtime.db.knex);
  if (!token) throw new Error('an operator already exists');
  const c = consoleClient(t);
  const res = await c.request('POST', '/admin/api/setup', { json: { token, ...OPERATOR } });
  if (res.status !== 200) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
  c.csrf = ((await res.json()) as { csrf_token: string }).csrf_token;
  return c;
}
