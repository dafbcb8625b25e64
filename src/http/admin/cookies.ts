import type { Request, Response } from 'express';
import { SESSION_COOKIE } from '../../operators/sessions';

/**
 * The console's session cookie: HttpOnly (never readable by scripts),
 * SameSite=Strict (never sent on a cross-site request), Path=/ (the console
 * calls /api/v1 too), Secure when served over https. No Max-Age: the idle
 * timeout is enforced on the server.
 */
export function readSessionCookie(req: Request): string | undefined {
  const header = req.header('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** Over https directly, or behind a proxy whose public URL is https. */
export function isHttps(req: Request, publicUrl: string | undefined): boolean {
  return req.secure || (publicUrl?.startsWith('https://') ?? false);
}

function attributes(secure: boolean): string {
  return `Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function setSessionCookie(res: Response, value: string, secure: boolean): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=${value}; ${attributes(secure)}`);
  res.setHeader('Cache-Control', 'no-store');
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=; ${attributes(secure)}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`);
}
