import { SignJWT, type JWTPayload } from 'jose';
import type { Knex } from 'knex';
import { createKeyRing, type SigningKey } from '../http/auth/keys';
import type { KeyCipher } from '../secrets/key-cipher';

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
    sign: (payload) => new SignJWT({ ...payload } as JWTPayload).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(key.privateKey),
  };
}

/**
 * Signs with Roster's own API signing key (src/http/auth/keys.ts), the newest one
 * the JWKS endpoint serves. The published keys are re-checked every `refreshMs`
 * (default 1 s), so a rotation is picked up without a restart.
 */
export function createWebhookSigner(knex: Knex, keyCipher: KeyCipher, options: { refreshMs?: number } = {}): WebhookSigner {
  const ring = createKeyRing(knex, keyCipher, options);
  return {
    async sign(payload) {
      return signerFromKey(await ring.signing()).sign(payload);
    },
  };
}
