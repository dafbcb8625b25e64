import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { clearSessionCookie, isHttps, readSessionCookie, setSessionCookie } from '../../src/http/admin/cookies';
import { assertSameOrigin } from '../../src/http/admin/csrf';

/** The console cookie's attributes, reading it back, and the same-origin check. */
function fakeRes() {
  const headers: Record<string, string[] | string> = {};
  const res = {
    append(name: string, value: string) {
      const k = name.toLowerCase();
      headers[k] = [...((headers[k] as string[] | undefined) ?? []), value];
      return res;
    },
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value;
      return res;
    },
  };
  return { res: res as unknown as Response, headers };
}
const fakeReq = (o: { secure?: boolean; cookie?: string }) => ({ secure: o.secure ?? false, header: (n: string) => (n.toLowerCase() === 'cookie' ? o.cookie : undefined) }) as unknown as Request;

describe('roster_admin cookie', () => {
  it('is Secure over https (directly, or behind an https ROSTER_PUBLIC_URL), and not over plain http', () => {
    expect(isHttps(fakeReq({}), undefined)).toBe(false);
    expect(isHttps(fakeReq({}), 'http://roster.internal')).toBe(false);
    expect(isHttps(fakeReq({}), 'https://roster.example.com')).toBe(true);
    expect(isHttps(fakeReq({ secure: true }), undefined)).toBe(true);

    const secure = fakeRes();
    setSessionCookie(secure.res, 'abc', true);
    expect(secure.headers['set-cookie']).toEqual(['roster_admin=abc; Path=/; HttpOnly; SameSite=Strict; Secure']);
    expect(secure.headers['cache-control']).toBe('no-store');

    const plain = fakeRes();
    setSessionCookie(plain.res, 'abc', false);
    expect(plain.headers['set-cookie']).toEqual(['roster_admin=abc; Path=/; HttpOnly; SameSite=Strict']);
  });

  it('is cleared with the same attributes and Max-Age=0', () => {
    const r = fakeRes();
    clearSessionCookie(r.res, true);
    expect(r.headers['set-cookie']).toEqual(['roster_admin=; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
  });

  it('is read from among other cookies', () => {
    expect(readSessionCookie(fakeReq({ cookie: 'theme=dark; roster_admin=s3ss10n; other=1' }))).toBe('s3ss10n');
    expect(readSessionCookie(fakeReq({ cookie: 'xroster_admin=nope' }))).toBeUndefined();
    expect(readSessionCookie(fakeReq({}))).toBeUndefined();
  });
});

describe('assertSameOrigin', () => {
  const req = (headers: Record<string, string>) => ({ header: (n: string) => headers[n.toLowerCase()] }) as unknown as Request;
  const allowed = (headers: Record<string, string>, publicUrl?: string) => {
    try {
      assertSameOrigin(req(headers), publicUrl);
      return true;
    } catch (err) {
      expect((err as { code: string }).code).toBe('CSRF_TOKEN_INVALID');
      return false;
    }
  };

  it.each([
    ['no Origin nor Sec-Fetch-Site (curl, old browsers)', { host: 'roster.local:3000' }, undefined, true],
    ['the same host', { host: 'roster.local:3000', origin: 'http://roster.local:3000', 'sec-fetch-site': 'same-origin' }, undefined, true],
    ['the same host through a TLS proxy', { host: 'roster.example.com', origin: 'https://roster.example.com' }, undefined, true],
    ['the public URL', { host: '10.0.0.5:3000', origin: 'https://roster.example.com' }, 'https://roster.example.com/', true],
    ['Sec-Fetch-Site: none (typed by the user)', { host: 'roster.local:3000', 'sec-fetch-site': 'none' }, undefined, true],
    ['another host', { host: 'roster.local:3000', origin: 'http://evil.example' }, undefined, false],
    ['another port', { host: 'roster.local:3000', origin: 'http://roster.local:4000' }, undefined, false],
    ['an opaque origin', { host: 'roster.local:3000', origin: 'null' }, undefined, false],
    ['Sec-Fetch-Site: cross-site', { host: 'roster.local:3000', 'sec-fetch-site': 'cross-site' }, undefined, false],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', { host: 'roster.local:3000', 'sec-fetch-site': 'same-site' }, undefined, false],
  ])('%s', (_name, headers, publicUrl, expected) => {
    expect(allowed(headers as Record<string, string>, publicUrl)).toBe(expected);
  });
});
