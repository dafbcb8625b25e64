import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { clearSessionCookie, isHttps, readSessionCookie, setSessionCookie } from '../../src/http/admin/cookies';

/** The console cookie's attributes, and reading it back among other cookies. */
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
