import type { Request, Router } from 'express';
import { z } from 'zod';
import type { Throttle } from '../../db/throttle';
import { OAuthError, type Auth } from '../auth';

/**
 * POST /oauth2/token (client credentials, RFC 6749 §4.4) and
 * GET /.well-known/jwks.json. Errors follow RFC 6749 §5.2 (`error`,
 * `error_description`) and also carry Kinde's `errors` array.
 *
 * Failed client authentications are throttled per client id and per IP (the
 * throttle's window is shared by every server process), so client secrets
 * cannot be guessed at speed: past the limit, `429` with `Retry-After`, even
 * for the right secret, until the oldest counted failure leaves the window.
 */
const TokenRequest = z.object({
  grant_type: z.string().optional(),
  client_id: z.string().max(200).optional(),
  client_secret: z.string().max(500).optional(),
  scope: z.string().max(4000).optional(),
  audience: z.string().max(2000).optional(),
});

function basicCredentials(req: Request): { id: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.header('authorization')?.trim() ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded inside the header.
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: dec(decoded.slice(0, colon)), secret: dec(decoded.slice(colon + 1)) };
}

function issuerOf(req: Request, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

export function oauthRoutes(deps: { auth: Auth; publicUrl?: string; throttle?: Throttle }) {
  return (router: Router) => {
    router.post('/oauth2/token', async (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Pragma', 'no-cache');
      const fail = (e: OAuthError) => {
        if (e.error === 'invalid_client') res.setHeader('WWW-Authenticate', 'Basic realm="roster"');
        res.status(e.status).json({ error: e.error, error_description: e.message, errors: [{ code: e.error.toUpperCase(), message: e.message }] });
      };
      try {
        const parsed = TokenRequest.safeParse(req.body ?? {});
        if (!parsed.success) throw new OAuthError(400, 'invalid_request', 'Malformed token request');
        const body = parsed.data;
        if (body.grant_type !== 'client_credentials') {
          throw new OAuthError(400, body.grant_type ? 'unsupported_grant_type' : 'invalid_request', 'grant_type must be client_credentials');
        }
        const basic = basicCredentials(req);
        const clientId = basic?.id ?? body.client_id;
        const clientSecret = basic?.secret ?? body.client_secret;
        if (!clientId || !clientSecret) throw new OAuthError(401, 'invalid_client', 'Client authentication failed');
        // req.ip is the peer, or X-Forwarded-For's client only behind a trusted proxy (ROSTER_TRUSTED_PROXIES).
        const gate = deps.throttle ? await deps.throttle.begin([{ key: `client:${clientId}`, resetOnSuccess: true }, ...(req.ip ? [{ key: `ip:${req.ip}` }] : [])]) : undefined;
        if (gate && !gate.allowed) {
          const message = 'Too many failed client authentications; try again later';
          res.setHeader('Retry-After', String(gate.retryAfterSeconds));
          res.status(429).json({ error: 'too_many_attempts', error_description: message, errors: [{ code: 'TOO_MANY_ATTEMPTS', message }] });
          return;
        }
        let token;
        try {
          token = await deps.auth.issueToken({
            clientId,
            clientSecret,
            scope: body.scope,
            audience: body.audience || undefined,
            issuer: issuerOf(req, deps.publicUrl),
          });
        } catch (err) {
          // Only a failed authentication counts; a refused scope comes after the right secret.
          if (err instanceof OAuthError && err.error === 'invalid_client') await gate?.ticket.failed();
          else if (err instanceof OAuthError) await gate?.ticket.succeeded();
          else await gate?.ticket.cancelled();
          throw err;
        }
        await gate?.ticket.succeeded();
        res.json(token);
      } catch (err) {
        if (err instanceof OAuthError) {
          fail(err);
          return;
        }
        throw err;
      }
    });

    router.get('/.well-known/jwks.json', async (_req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.json(await deps.auth.jwks());
    });
  };
}
