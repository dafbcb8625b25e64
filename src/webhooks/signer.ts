import { SignJWT } from 'jose';
import type { KeyObject } from 'node:crypto';

/** The part of an API signing key (src/http/auth/keys.ts) a webhook signature needs. */
interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/**
 * Signs a webhook body as Kinde does: the request body is a JWT (RS256) whose
 * `kid` names a key published at `/.well-known/jwks.json`, so
 * `decodeWebhook(body, rosterBaseUrl)` from `@kinde/webhooks` verifies it.
 */
export interface WebhookSigner {
  sign(payload: Readonly<Record<string, unknown>>): Promise<string>;
}

/** Signs with a given key (tests, or a caller that manages keys itself). */
export function signerFromKey(key: Pick<SigningKey, 'kid' | 'privateKey'>): WebhookSigner {
  return {
    // No iat/jti: the same event signs to the same bytes on every attempt (RS256 is deterministic).
    sign: (payload) => new SignJWT({ ...payload }).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(key.privateKey),
  };
}

/**
 * Signs with Roster's own API signing key, the newest one the JWKS endpoint
 * serves. `signingKey` is the caller's key loader — in serve, the key ring of
 * src/http/auth/keys.ts (`createKeyRing(knex, keyCipher).signing()`), which
 * decrypts the keys stored encrypted at rest and re-checks them so a rotation is
 * picked up without a restart. It is passed in so this layer does not import
 * the HTTP layer.
 */
export function createWebhookSigner(signingKey: () => Promise<SigningKey>): WebhookSigner {
  return {
    async sign(payload) {
      return signerFromKey(await signingKey()).sign(payload);
    },
  };
}
