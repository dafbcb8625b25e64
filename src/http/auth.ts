import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import type { Knex } from 'knex';
import type { Logger } from '../logger';
import { VerifiedTokens } from './auth/verified-tokens';
import { dummySecretHash, effectiveScopes, ensureAdminClient, findClient, findClientWithHash, verifySecret } from './auth/clients';
import type { KeyCipher } from '../secrets/key-cipher';
import { createKeyRing, ensureSigningKeys } from './auth/keys';
import { HttpError } from './errors';

/**
 * Bearer-token authentication for the API. Tokens are RS256 JWTs issued by
 * POST /oauth2/token (client credentials); the verified caller is put on
 * `res.locals.principal`, and `requireScope` checks it per route.
 */
export interface Principal {
  readonly clientId: string;
  readonly scopes: ReadonlySet<string>;
  /** Set when the caller is a console operator (session cookie), not an API client. */
  readonly operator?: { readonly id: string; readonly email: string };
}

export const TOKEN_LIFETIME_SECONDS = 3600;

export interface IssuedToken {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope: string;
}

/** OAuth2 token endpoint failures (RFC 6749 §5.2); `status` is the HTTP status. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope',
    message: string,
  ) {
    super(message);
  }
}

export interface Auth {
  /** Resolves when the signing key exists and the admin client is in place. */
  readonly ready: Promise<void>;
  issueToken(input: { clientId: string; clientSecret: string; scope?: string; audience?: string; issuer: string }): Promise<IssuedToken>;
  verify(token: string): Promise<Principal>;
  jwks(): Promise<{ keys: object[] }>;
  /** Rejects a request without a valid bearer token; sets `res.locals.principal`. */
  readonly authenticate: RequestHandler;
}

export interface AuthDeps {
  readonly knex: Knex;
  readonly logger: Logger;
  readonly adminClient?: { readonly id: string; readonly secret: string };
  /** Where a generated admin secret is shown, once (stdout, never the log). */
  readonly announce?: (line: string) => void;
  /** Decrypts the signing keys (they are stored encrypted: src/secrets). */
  readonly keyCipher: KeyCipher;
  /** How often the published signing keys are re-checked (default 1 s), so a rotation elsewhere is seen. */
  readonly keyRefreshMs?: number;
}

const invalidCredentials = () => new HttpError('forbidden', 'INVALID_CREDENTIALS', 'Invalid credentials used to access API');

export function createAuth(deps: AuthDeps): Auth {
  const ring = createKeyRing(deps.knex, deps.keyCipher, { refreshMs: deps.keyRefreshMs });
  const announce = deps.announce ?? ((line: string) => process.stdout.write(line + '\n'));

  const ready = (async () => {
    await ensureSigningKeys(deps.knex, deps.keyCipher);
    await ensureAdminClient(deps.knex, deps.adminClient, (clientId, secret) => {
      announce(['Roster created the first API client. Its secret is shown only this once:', `  ROSTER_ADMIN_CLIENT_ID=${clientId}`, `  ROSTER_ADMIN_CLIENT_SECRET=${secret}`].join('\n'));
    });
  })();
  // A failure surfaces on the first request that awaits `ready`; log it now too.
  ready.catch((err: unknown) => deps.logger.error('auth setup failed', { err }));

  const verified = new VerifiedTokens();

  async function keyFor(kid: string | undefined) {
    await ready;
    return ring.byKid(kid);
  }

  const auth: Auth = {
    ready,

    async issueToken({ clientId, clientSecret, scope, audience, issuer }) {
      await ready;
      const client = await findClientWithHash(deps.knex, clientId);
      // Same scrypt cost whether or not the client exists.
      const ok = await verifySecret(clientSecret, client?.secretHash ?? (await dummySecretHash()));
      if (!client || !ok || client.revokedAt) throw new OAuthError(401, 'invalid_client', 'Client authentication failed');
      const allowed = effectiveScopes(client);
      const requested = (scope ?? '').split(/\s+/).filter(Boolean);
      const refused = requested.filter((s) => !allowed.includes(s));
      if (refused.length > 0) throw new OAuthError(400, 'invalid_scope', `The client may not request: ${refused.join(' ')}`);
      const granted = requested.length > 0 ? [...new Set(requested)] : allowed;
      const key = await ring.signing();
      const access_token = await new SignJWT({ scp: granted, scope: granted.join(' '), azp: client.clientId, gty: ['client_credentials'] })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setSubject(client.clientId)
        .setAudience(audience ? [audience] : [`${issuer}/api`])
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime(`${TOKEN_LIFETIME_SECONDS}s`)
        .sign(key.privateKey);
      return { access_token, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS, scope: granted.join(' ') };
    },

    async verify(token) {
      let payload: JWTPayload;
      const known = verified.get(token);
      if (known && (await keyFor(known.kid))) payload = known.payload;
      else {
        try {
          let kid: string | undefined;
          ({ payload } = await jwtVerify(
            token,
            async (header) => {
              kid = header.kid;
              const key = await keyFor(kid);
              if (!key) throw new Error('unknown key');
              return key.publicKey;
            },
            { algorithms: ['RS256'] },
          ));
          verified.remember(token, payload, kid);
        } catch {
          verified.forget(token);
          throw invalidCredentials();
        }
      }
      const clientId = typeof payload.sub === 'string' ? payload.sub : undefined;
      if (!clientId) throw invalidCredentials();
      // A revoked client's tokens stop working at once.
      const client = await findClient(deps.knex, clientId);
      if (!client || client.revokedAt) throw invalidCredentials();
      const scp = Array.isArray(payload.scp) ? payload.scp.filter((s): s is string => typeof s === 'string') : [];
      const stillAllowed = new Set(effectiveScopes(client));
      return { clientId, scopes: new Set(scp.filter((s) => stillAllowed.has(s))) };
    },

    async jwks() {
      await ready;
      return { keys: (await ring.published()).map((k) => k.publicJwk) };
    },

    authenticate: (req, res, next) => {
      const header = req.header('authorization') ?? '';
      const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim());
      if (!match) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        next(invalidCredentials());
        return;
      }
      auth.verify(match[1]!).then(
        (principal) => {
          res.locals.principal = principal;
          next();
        },
        (err: unknown) => {
          res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
          next(err);
        },
      );
    },
  };
  return auth;
}

export function principalOf(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw invalidCredentials();
  return p;
}

/**
 * Route guard: the caller's token must carry `scope` (Kinde names one per
 * endpoint). Needs `auth.authenticate` to have run (server.ts mounts it on /api).
 */
export function requireScope(scope: string): RequestHandler {
  return (_req: Request, res, next) => {
    const p = res.locals.principal as Principal | undefined;
    if (!p) {
      next(invalidCredentials());
      return;
    }
    if (!p.scopes.has(scope)) {
      next(new HttpError('forbidden', 'MISSING_SCOPE', `Invalid credentials used to access API: the token lacks the ${scope} scope`));
      return;
    }
    next();
  };
}
