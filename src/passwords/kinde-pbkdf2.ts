import { decodeBase64 } from './base64';
import type { PasswordRejectionCode } from './types';

/**
 * Kinde's `PUT /api/v1/users/{id}/password` form of PBKDF2 (its Management API:
 * `hashing_method: "pbkdf2"`, a base64 `hashed_password`, a base64 `salt`,
 * `iterations` — "when omitted, verification defaults to 24000 (the FusionAuth
 * default factor)" — and `variant`, FusionAuth's scheme names), rewritten as the
 * passlib string Roster's pbkdf2 family stores, so it verifies like any other
 * PBKDF2 hash. The variant fixes the HMAC and the key length:
 * `salted-pbkdf2-hmac-sha256` 32 bytes, `…-sha256-512` and `…-sha512-512` 64 bytes.
 */
const VARIANTS: Readonly<Record<string, { prefix: string; keyBytes: number }>> = {
  'salted-pbkdf2-hmac-sha256': { prefix: '$pbkdf2-sha256$', keyBytes: 32 },
  'salted-pbkdf2-hmac-sha256-512': { prefix: '$pbkdf2-sha256$', keyBytes: 64 },
  'salted-pbkdf2-hmac-sha512-512': { prefix: '$pbkdf2-sha512$', keyBytes: 64 },
};
export const KINDE_PBKDF2_VARIANTS = Object.keys(VARIANTS);
export const KINDE_PBKDF2_DEFAULT_ITERATIONS = 24_000;

export type KindePbkdf2Result = { readonly ok: true; readonly hash: string } | { readonly ok: false; readonly code: PasswordRejectionCode; readonly reason: string };

/** passlib's "ab64": standard base64 with `.` for `+` and no padding. */
const ab64 = (bytes: Buffer) => bytes.toString('base64').replace(/\+/g, '.').replace(/=+$/, '');

export function kindePbkdf2ToPasslib(input: { hash: string; salt: string | undefined; iterations: number | undefined; variant: string }): KindePbkdf2Result {
  const variant = VARIANTS[input.variant.trim().toLowerCase()];
  if (!variant) return { ok: false, code: 'HASHING_METHOD_UNSUPPORTED', reason: `variant must be one of ${KINDE_PBKDF2_VARIANTS.join(', ')}` };
  const iterations = input.iterations ?? KINDE_PBKDF2_DEFAULT_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 1e9)
    return { ok: false, code: 'WORK_FACTOR_OUT_OF_BOUNDS', reason: 'iterations must be a positive integer within the pbkdf2 bounds' };
  if (input.salt === undefined || input.salt === '') return { ok: false, code: 'SALT_INVALID', reason: 'a pbkdf2 variant needs its base64 salt' };
  const salt = decodeBase64(input.salt);
  if (salt === null || salt.length === 0) return { ok: false, code: 'SALT_INVALID', reason: 'the pbkdf2 salt is not base64' };
  const key = decodeBase64(input.hash);
  if (key === null) return { ok: false, code: 'HASH_MALFORMED', reason: 'the pbkdf2 hashed_password is not base64' };
  if (key.length !== variant.keyBytes) {
    return { ok: false, code: 'HASH_MALFORMED', reason: `a ${input.variant.trim().toLowerCase()} hash is ${variant.keyBytes} bytes; this one is ${key.length}` };
  }
  // Bounds on iterations and salt size are the pbkdf2 family's, checked on the result.
  return { ok: true, hash: `${variant.prefix}${iterations}$${ab64(salt)}$${ab64(key)}` };
}
