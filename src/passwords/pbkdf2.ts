import { pbkdf2Sync } from 'node:crypto';
import { decodeBase64 } from './base64';
import { constantTimeEqual, utf8Bytes } from './constant-time';
import { FAMILY_OK, reject, type FamilyCheck, type PasswordLimits } from './types';

/**
 * PBKDF2 with HMAC-SHA1, -SHA256 or -SHA512, in the two string forms tools write:
 * - Django: `pbkdf2_sha256$<iterations>$<salt>$<base64 key>` (and `pbkdf2_sha1`);
 *   the salt is used as its UTF-8 text
 * - passlib: `$pbkdf2-sha256$<iterations>$<ab64 salt>$<ab64 key>`, `$pbkdf2$`
 *   (SHA-1) and `$pbkdf2-sha512$`; Keycloak credentials arrive converted to this
 *   form (64-byte keys for SHA-256/512)
 * The derived-key length is the stored key's length, whatever it is (16–128 bytes).
 */
export type Pbkdf2Digest = 'sha1' | 'sha256' | 'sha512';

const BLOCK_BYTES: Record<Pbkdf2Digest, number> = { sha1: 20, sha256: 32, sha512: 64 };
const MIN_KEY_BYTES = 16;
const MAX_KEY_BYTES = 128;
const MAX_SALT_BYTES = 128;
const DJANGO = /^pbkdf2_(sha1|sha256)\$([1-9][0-9]{0,9})\$([^$]{1,128})\$([A-Za-z0-9+/]+={0,2})$/;
const PASSLIB = /^\$pbkdf2(?:-(sha1|sha256|sha512))?\$([1-9][0-9]{0,9})\$([A-Za-z0-9./]*)\$([A-Za-z0-9./]+)$/;

export interface Pbkdf2Hash {
  readonly digest: Pbkdf2Digest;
  readonly iterations: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

export function parsePbkdf2(hash: string): Pbkdf2Hash | null {
  const django = DJANGO.exec(hash);
  if (django) {
    const key = decodeBase64(django[4]!);
    if (key === null) return null;
    return { digest: django[1] as Pbkdf2Digest, iterations: Number(django[2]), salt: utf8Bytes(django[3]!), key };
  }
  const passlib = PASSLIB.exec(hash);
  if (passlib) {
    const salt = decodeBase64(passlib[3]!, 'ab64');
    const key = decodeBase64(passlib[4]!, 'ab64');
    if (salt === null || key === null) return null;
    return { digest: (passlib[1] ?? 'sha1') as Pbkdf2Digest, iterations: Number(passlib[2]), salt, key };
  }
  return null;
}

/** Iterations × output blocks: what one verification costs. */
export function pbkdf2Work(parsed: Pbkdf2Hash): number {
  return parsed.iterations * Math.ceil(parsed.key.length / BLOCK_BYTES[parsed.digest]);
}

function maxWork(digest: Pbkdf2Digest, limits: PasswordLimits): number {
  switch (digest) {
    case 'sha1':
      return limits.maxPbkdf2Sha1Work;
    case 'sha256':
      return limits.maxPbkdf2Sha256Work;
    case 'sha512':
      return limits.maxPbkdf2Sha512Work;
    default: {
      const never: never = digest;
      return never;
    }
  }
}

export function checkPbkdf2(hash: string, limits: PasswordLimits): FamilyCheck {
  const parsed = parsePbkdf2(hash);
  if (parsed === null) {
    return reject('HASH_MALFORMED', 'not a PBKDF2 hash (Django pbkdf2_sha256$/pbkdf2_sha1$, or passlib $pbkdf2$, $pbkdf2-sha256$, $pbkdf2-sha512$)');
  }
  if (parsed.key.length < MIN_KEY_BYTES || parsed.key.length > MAX_KEY_BYTES) {
    return reject('HASH_MALFORMED', `a PBKDF2 key must be ${MIN_KEY_BYTES}-${MAX_KEY_BYTES} bytes`);
  }
  if (parsed.salt.length > MAX_SALT_BYTES) return reject('HASH_MALFORMED', `a PBKDF2 salt must be at most ${MAX_SALT_BYTES} bytes`);
  const work = pbkdf2Work(parsed);
  if (work > maxWork(parsed.digest, limits)) {
    return reject('WORK_FACTOR_OUT_OF_BOUNDS', `PBKDF2-${parsed.digest.toUpperCase()} iterations × key blocks ${work} exceeds the accepted maximum ${maxWork(parsed.digest, limits)}`);
  }
  return FAMILY_OK;
}

export function verifyPbkdf2(hash: string, plain: string): boolean {
  const parsed = parsePbkdf2(hash);
  if (parsed === null) return false;
  const candidate = pbkdf2Sync(utf8Bytes(plain), parsed.salt, parsed.iterations, parsed.key.length, parsed.digest);
  return constantTimeEqual(candidate, parsed.key);
}
