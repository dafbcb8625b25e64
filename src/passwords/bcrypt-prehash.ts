import { createHash, createHmac } from 'node:crypto';
import { bcryptCost, checkBcrypt, hashBcrypt, isBcryptHash, verifyBcrypt } from './bcrypt';
import { utf8Bytes } from './constant-time';
import { reject, type FamilyCheck, type PasswordLimits } from './types';

/**
 * bcrypt over a pre-hash of the password, so that every byte of it counts
 * (plain bcrypt reads only the first 72) and the key bcrypt sees never holds a
 * NUL byte (the digest is hex- or base64-encoded).
 *
 * `bcrypt_hmac_sha384` — what Roster writes for new and upgraded passwords:
 * `$bcrypt-hmac-sha384$2b$<cost>$<salt+digest>`, bcrypt of
 * base64(HMAC-SHA-384(key "roster-bcrypt-sha384", password)), a 64-character
 * key. The same construction as WordPress 6.8's `$wp$2y$` (key "wp-sha384").
 * The HMAC key is a constant for domain separation, not a secret: a leaked
 * plain SHA-384 table cannot be matched against these hashes ("shucking").
 *
 * `bcrypt_sha256` — Django's `bcrypt_sha256$<bcrypt>` (bcrypt of the hex
 * SHA-256), and passlib's `$bcrypt-sha256$v=2,t=2b,r=<cost>$<salt>$<digest>`
 * (bcrypt of base64 HMAC-SHA-256 keyed with the salt text) and its v1 form
 * `$bcrypt-sha256$2a,<cost>$<salt>$<digest>` (bcrypt of base64 SHA-256).
 */
export const ROSTER_PREFIX = '$bcrypt-hmac-sha384';
const ROSTER_HMAC_KEY = 'roster-bcrypt-sha384';
const DJANGO_PREFIX = 'bcrypt_sha256';
const PASSLIB_V2 = /^\$bcrypt-sha256\$v=2,t=(2b),r=([0-9]{1,2})\$([./A-Za-z0-9]{22})\$([./A-Za-z0-9]{31})$/;
const PASSLIB_V1 = /^\$bcrypt-sha256\$(2a|2b),([0-9]{1,2})\$([./A-Za-z0-9]{22})\$([./A-Za-z0-9]{31})$/;

export function rosterPrehash(plain: string): string {
  return createHmac('sha384', ROSTER_HMAC_KEY).update(utf8Bytes(plain)).digest('base64');
}

/** The plain bcrypt string inside a bcrypt_hmac_sha384 hash, or null. */
function rosterInner(hash: string): string | null {
  if (!hash.startsWith(ROSTER_PREFIX)) return null;
  const inner = hash.slice(ROSTER_PREFIX.length);
  return isBcryptHash(inner) ? inner : null;
}

export function checkRosterBcrypt(hash: string, limits: PasswordLimits): FamilyCheck {
  const inner = rosterInner(hash);
  if (inner === null) return reject('HASH_MALFORMED', `not a bcrypt_hmac_sha384 hash (${ROSTER_PREFIX}$2b$<cost>$…)`);
  return checkBcrypt(inner, limits);
}

export function verifyRosterBcrypt(hash: string, plain: string): boolean {
  const inner = rosterInner(hash);
  return inner !== null && verifyBcrypt(inner, rosterPrehash(plain));
}

export function hashRosterBcrypt(plain: string, cost: number): string {
  return ROSTER_PREFIX + hashBcrypt(rosterPrehash(plain), cost);
}

/** Cost of any bcrypt-based hash of these two methods, or null. */
export function prehashedBcryptCost(hash: string): number | null {
  const inner = rosterInner(hash) ?? bcryptSha256Parts(hash)?.bcrypt ?? null;
  return inner === null ? null : bcryptCost(inner);
}

interface BcryptSha256 {
  /** The equivalent plain bcrypt string to verify the pre-hashed key against. */
  readonly bcrypt: string;
  readonly key: (plain: string) => string;
}

function bcryptSha256Parts(hash: string): BcryptSha256 | null {
  if (hash.startsWith(`${DJANGO_PREFIX}$`)) {
    const inner = hash.slice(DJANGO_PREFIX.length + 1);
    if (!isBcryptHash(inner)) return null;
    return { bcrypt: inner, key: (plain) => createHash('sha256').update(utf8Bytes(plain)).digest('hex') };
  }
  const v2 = PASSLIB_V2.exec(hash);
  if (v2) {
    const salt = v2[3]!;
    return {
      bcrypt: `$${v2[1]}$${v2[2]!.padStart(2, '0')}$${salt}${v2[4]}`,
      key: (plain) => createHmac('sha256', Buffer.from(salt, 'ascii')).update(utf8Bytes(plain)).digest('base64'),
    };
  }
  const v1 = PASSLIB_V1.exec(hash);
  if (v1) {
    return {
      bcrypt: `$${v1[1]}$${v1[2]!.padStart(2, '0')}$${v1[3]}${v1[4]}`,
      key: (plain) => createHash('sha256').update(utf8Bytes(plain)).digest('base64'),
    };
  }
  return null;
}

export function checkBcryptSha256(hash: string, limits: PasswordLimits): FamilyCheck {
  const parts = bcryptSha256Parts(hash);
  if (parts === null) {
    return reject('HASH_MALFORMED', 'not a bcrypt_sha256 hash (Django bcrypt_sha256$$2b$…, or passlib $bcrypt-sha256$…)');
  }
  return checkBcrypt(parts.bcrypt, limits);
}

export function verifyBcryptSha256(hash: string, plain: string): boolean {
  const parts = bcryptSha256Parts(hash);
  return parts !== null && verifyBcrypt(parts.bcrypt, parts.key(plain));
}
