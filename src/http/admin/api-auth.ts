import type { RequestHandler } from 'express';
import type { Sessions } from '../../operators/sessions';
import type { Principal } from '../auth';
import { HttpError } from '../errors';
import { ALL_SCOPES } from '../scopes';
import { readSessionCookie } from './cookies';
import { assertCsrfToken, assertSameOrigin, SAFE_METHODS } from './csrf';

/**
 * Authentication for /api: a bearer token as before, or — when the request
 * carries no Authorization header but the console's cookie — an operator
 * session. Operators hold every scope; their requests are stamped with actor
 * `{type: "operator"}` and source `admin` (see contextFrom). A cookie request
 * that changes state must pass the CSRF checks.
 */
export function apiAuthentication(deps: { bearer: RequestHandler; sessions: Sessions; publicUrl?: string }): RequestHandler {
  const allScopes: ReadonlySet<string> = new Set(ALL_SCOPES);
  return (req, res, next) => {
    const cookie = readSessionCookie(req);
    if (req.header('authorization') !== undefined || cookie === undefined) return deps.bearer(req, res, next);
    deps.sessions.touch(cookie).then(
      (session) => {
        if (!session) return next(new HttpError('unauthenticated', 'NOT_SIGNED_IN', 'The console session has ended; sign in again'));
        try {
          if (!SAFE_METHODS.has(req.method)) {
            assertSameOrigin(req, deps.publicUrl);
            assertCsrfToken(req, session.csrfToken);
          }
        } catch (err) {
          return next(err);
        }
        const principal: Principal = { clientId: session.operator.id, scopes: allScopes, operator: session.operator };
        res.locals.principal = principal;
        next();
      },
      (err: unknown) => next(err),
    );
  };
}
