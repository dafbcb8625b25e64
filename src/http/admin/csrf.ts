import type { Request } from 'express';
import { sameToken } from '../../operators/sessions';
import { HttpError } from '../errors';

/**
 * CSRF defences for requests authenticated by the console's cookie. The
 * SameSite=Strict cookie is the first; these are the second and third:
 * a browser's own statement of where the request comes from (Sec-Fetch-Site,
 * Origin) must be this origin, and a state-changing request must repeat the
 * session's CSRF token in X-CSRF-Token (a cross-site page cannot read it).
 */
export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const csrfRefused = (why: string) => new HttpError('forbidden', 'CSRF_TOKEN_INVALID', why);

/** Throws when the browser says the request comes from another site. */
export function assertSameOrigin(req: Request, publicUrl: string | undefined): void {
  const site = req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw csrfRefused('Cross-site request refused');
  const origin = req.header('origin');
  if (origin === undefined) return;
  if (publicUrl && origin === new URL(publicUrl).origin) return;
  // The host the browser addressed, whatever the scheme: behind a TLS proxy this
  // server sees http while the page's origin is https.
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined; // "null" (a sandboxed or opaque origin) or garbage
  }
  if (!host || host !== (req.header('host') ?? '').toLowerCase()) throw csrfRefused('Cross-origin request refused');
}

/** Throws unless X-CSRF-Token equals the session's token (constant-time compare). */
export function assertCsrfToken(req: Request, expected: string): void {
  const given = req.header('x-csrf-token');
  if (!given || !sameToken(given, expected)) throw csrfRefused('Missing or wrong X-CSRF-Token header');
}
