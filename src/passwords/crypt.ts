import unixCryptTD from 'unix-crypt-td-js';
import { encrypt as shaCrypt } from 'unixcrypt';
import { checkBcrypt, isBcryptHash, verifyBcrypt } from './bcrypt';
import { constantTimeEqual, utf8Bytes } from './constant-time';
import { md5Crypt } from './md5-crypt';
import { FAMILY_OK, reject, type FamilyCheck, type PasswordLimits } from './types';

/**
 * crypt(3): the formats a Unix system (glibc) or PHP's crypt() produces.
 * - traditional DES: 13 characters, 2 of salt; only the first 8 bytes of the
 *   password count, and only 7 bits of each (unix-crypt-td-js)
 * - MD5-crypt `$1$salt$…` (md5-crypt.ts)
 * - SHA-256-crypt `$5$` and SHA-512-crypt `$6$`, with or without `rounds=` (unixcrypt)
 * - bcrypt `$2a$/$2b$/$2y$` (bcryptjs)
 */
export type CryptScheme = 'des' | 'md5-crypt' | 'sha256-crypt' | 'sha512-crypt' | 'bcrypt';

const B64 = '[./0-9A-Za-z]';
const DES_PATTERN = new RegExp(`^${B64}{13}$`);
const MD5_CRYPT_PATTERN = new RegExp(`^\\$1\\$([\\x21-\\x23\\x25-\\x39\\x3b-\\x7e]{0,8})\\$${B64}{22}$`);
// glibc: salt is at most 16 characters; rounds written only when given explicitly.
const SHA_CRYPT_PATTERN = new RegExp(`^\\$([56])\\$(?:rounds=([1-9][0-9]{0,9})\\$)?(${B64}{0,16})\\$(${B64}+)$`);
const SHA_DIGEST_LENGTH: Record<'5' | '6', number> = { '5': 43, '6': 86 };

export const SHA_CRYPT_MIN_ROUNDS = 1000;
export const SHA_CRYPT_DEFAULT_ROUNDS = 5000;

export function cryptScheme(hash: string): CryptScheme | null {
  if (DES_PATTERN.test(hash)) return 'des';
  if (MD5_CRYPT_PATTERN.test(hash)) return 'md5-crypt';
  const sha = SHA_CRYPT_PATTERN.exec(hash);
  if (sha) {
    const id = sha[1] as '5' | '6';
    if ((sha[4] ?? '').length !== SHA_DIGEST_LENGTH[id]) return null;
    return id === '5' ? 'sha256-crypt' : 'sha512-crypt';
  }
  if (isBcryptHash(hash)) return 'bcrypt';
  return null;
}

/** rounds of a $5$/$6$ hash (5000 when not written), else null. */
export function shaCryptRounds(hash: string): number | null {
  const sha = SHA_CRYPT_PATTERN.exec(hash);
  if (!sha) return null;
  return sha[2] === undefined ? SHA_CRYPT_DEFAULT_ROUNDS : Number(sha[2]);
}

/** The salt embedded in a crypt hash (used to check a separately supplied salt). */
export function cryptEmbeddedSalt(hash: string): string | null {
  const scheme = cryptScheme(hash);
  if (scheme === null) return null;
  switch (scheme) {
    case 'des':
      return hash.slice(0, 2);
    case 'md5-crypt':
      return MD5_CRYPT_PATTERN.exec(hash)?.[1] ?? null;
    case 'sha256-crypt':
    case 'sha512-crypt':
      return SHA_CRYPT_PATTERN.exec(hash)?.[3] ?? null;
    case 'bcrypt':
      return hash.slice(7, 29);
    default: {
      const never: never = scheme;
      return never;
    }
  }
}

export function checkCrypt(hash: string, limits: PasswordLimits): FamilyCheck {
  const scheme = cryptScheme(hash);
  if (scheme === null) {
    return reject('HASH_MALFORMED', 'not a crypt(3) hash (traditional DES of 13 characters, $1$, $5$, $6$ or bcrypt $2a$/$2b$/$2y$)');
  }
  switch (scheme) {
    case 'des':
    case 'md5-crypt':
      return FAMILY_OK;
    case 'sha256-crypt':
    case 'sha512-crypt': {
      const rounds = shaCryptRounds(hash) ?? SHA_CRYPT_DEFAULT_ROUNDS;
      if (rounds < SHA_CRYPT_MIN_ROUNDS) {
        // glibc never writes fewer than 1000 rounds (it clamps), so such a hash is not genuine.
        return reject('HASH_MALFORMED', `sha-crypt rounds ${rounds} is below the minimum ${SHA_CRYPT_MIN_ROUNDS}`);
      }
      if (rounds > limits.maxShaCryptRounds) {
        return reject('WORK_FACTOR_OUT_OF_BOUNDS', `sha-crypt rounds ${rounds} exceeds the accepted maximum ${limits.maxShaCryptRounds}`);
      }
      return FAMILY_OK;
    }
    case 'bcrypt':
      return checkBcrypt(hash, limits);
    default: {
      const never: never = scheme;
      return never;
    }
  }
}

/** Verifies a hash that passed checkCrypt; false for anything else. */
export function verifyCrypt(hash: string, plain: string): boolean {
  const scheme = cryptScheme(hash);
  if (scheme === null) return false;
  switch (scheme) {
    case 'des': {
      // Bytes, not UTF-16 code units: glibc hashes the UTF-8 bytes.
      const candidate = unixCryptTD(Array.from(utf8Bytes(plain)), hash.slice(0, 2));
      return constantTimeEqual(candidate, hash);
    }
    case 'md5-crypt': {
      const salt = cryptEmbeddedSalt(hash) ?? '';
      return constantTimeEqual(md5Crypt(utf8Bytes(plain), salt), hash);
    }
    case 'sha256-crypt':
    case 'sha512-crypt': {
      // The setting is everything before the last '$'; unixcrypt keeps an
      // explicit rounds=5000 as glibc does, so the output is comparable as is.
      const setting = hash.slice(0, hash.lastIndexOf('$'));
      return constantTimeEqual(shaCrypt(plain, setting), hash);
    }
    case 'bcrypt':
      return verifyBcrypt(hash, plain);
    default: {
      const never: never = scheme;
      return never;
    }
  }
}
