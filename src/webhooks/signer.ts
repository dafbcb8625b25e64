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
 * Signs with Roster's own API signing key, the one the JWKS endpoint serves
 * (`loadKeys` is src/http/auth/keys.ts `loadOrCreateSigningKeys`, passed in by
 * the caller so this layer does not import the HTTP layer). Keys are re-read
 * every `refreshMs` so a rotation is picked up without a restart.
 */
export function createWebhookSigner(loadKeys: () => Promise<readonly SigningKey[]>, options: { refreshMs?: number } = {}): WebhookSigner {
  const refreshMs = options.refreshMs ?? 5 * 60_000;
  let cached: { key: SigningKey; at: number } | undefined;
  let loading: Promise<SigningKey> | undefined;
  const current = async (): Promise<SigningKey> => {
    if (cached && Date.now() - cached.at < refreshMs) return cached.key;
    loading ??= loadKeys()
      .then((keys) => {
        const [newest] = keys;
        if (!newest) throw new Error('no API signing key to sign webhooks with');
        cached = { key: newest, at: Date.now() };
        return cached.key;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };
  return {
    async sign(payload) {
      return signerFromKey(await current()).sign(payload);
    },
  };
}
