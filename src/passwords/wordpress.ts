import { createHash, createHmac } from 'node:crypto';
import { checkBcrypt, isBcryptHash, verifyBcrypt } from './bcrypt';
import { constantTimeEqual, utf8Bytes } from './constant-time';
import { FAMILY_OK, reject, type FamilyCheck, type PasswordLimits } from './types';

/**
 * WordPress, following wp_check_password() (wp-includes/pluggable.php, 6.8):
 * - a hash of at most 32 characters is a plain MD5 hex digest (very old installs)
 * - `$wp$2y$…`: bcrypt over base64(HMAC-SHA384(key "wp-sha384", password)),
 *   verified with the `$wp` prefix removed
 * - `$P$` / `$H$` (phpBB): phpass portable hashes
 * - anything else goes to password_verify(): we accept plain bcrypt, which
 *   bcrypt plugins for WordPress store
 */
export type WordpressScheme = 'md5' | 'wp-bcrypt' | 'phpass' | 'bcrypt';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PHPASS_PATTERN = /^\$[PH]\$[./0-9A-Za-z]{31}$/;
const MD5_PATTERN = /^[0-9a-fA-F]{32}$/;
export const PHPASS_MIN_LOG2 = 7;
export const PHPASS_MAX_LOG2 = 30;

export function wordpressScheme(hash: string): WordpressScheme | null {
  if (MD5_PATTERN.test(hash)) return 'md5';
  if (hash.startsWith('$wp$') && isBcryptHash(hash.slice(3))) return 'wp-bcrypt';
  if (PHPASS_PATTERN.test(hash)) return 'phpass';
  if (isBcryptHash(hash)) return 'bcrypt';
  return null;
}

export function phpassLog2(hash: string): number {
  return ITOA64.indexOf(hash[3] ?? '');
}

export function checkWordpress(hash: string, limits: PasswordLimits): FamilyCheck {
  const scheme = wordpressScheme(hash);
  if (scheme === null) {
    return reject('HASH_MALFORMED', 'not a WordPress hash (phpass $P$/$H$ of 34 characters, $wp$ bcrypt, bcrypt, or 32-hex MD5)');
  }
  switch (scheme) {
    case 'md5':
      return FAMILY_OK;
    case 'wp-bcrypt':
      return checkBcrypt(hash.slice(3), limits);
    case 'bcrypt':
      return checkBcrypt(hash, limits);
    case 'phpass': {
      const log2 = phpassLog2(hash);
      if (log2 < PHPASS_MIN_LOG2 || log2 > PHPASS_MAX_LOG2) {
        return reject('HASH_MALFORMED', `phpass iteration exponent ${log2} is outside phpass's range 7-30`);
      }
      if (log2 > limits.maxPhpassLog2) {
        return reject('WORK_FACTOR_OUT_OF_BOUNDS', `phpass iteration exponent ${log2} exceeds the accepted maximum ${limits.maxPhpassLog2}`);
      }
      return FAMILY_OK;
    }
    default: {
      const never: never = scheme;
      return never;
    }
  }
}

export function phpassEncode64(input: Buffer, count: number): string {
  let output = '';
  let i = 0;
  do {
    let value = input[i++] ?? 0;
    output += ITOA64.charAt(value & 0x3f);
    if (i < count) value |= (input[i] ?? 0) << 8;
    output += ITOA64.charAt((value >> 6) & 0x3f);
    if (i++ >= count) break;
    if (i < count) value |= (input[i] ?? 0) << 16;
    output += ITOA64.charAt((value >> 12) & 0x3f);
    if (i++ >= count) break;
    output += ITOA64.charAt((value >> 18) & 0x3f);
  } while (i < count);
  return output;
}

/** phpass crypt_private(): 2^n iterations of MD5(previous || password). */
export function phpassCrypt(password: Buffer, setting: string): string | null {
  const log2 = phpassLog2(setting);
  if (log2 < PHPASS_MIN_LOG2 || log2 > PHPASS_MAX_LOG2) return null;
  const salt = Buffer.from(setting.slice(4, 12), 'latin1');
  if (salt.length !== 8) return null;
  let hash = createHash('md5').update(salt).update(password).digest();
  for (let count = 1 << log2; count > 0; count--) {
    hash = createHash('md5').update(hash).update(password).digest();
  }
  return setting.slice(0, 12) + phpassEncode64(hash, 16);
}

export function wordpressPrehash(plain: string): string {
  return createHmac('sha384', 'wp-sha384').update(utf8Bytes(plain)).digest('base64');
}

export function verifyWordpress(hash: string, plain: string): boolean {
  const scheme = wordpressScheme(hash);
  if (scheme === null) return false;
  switch (scheme) {
    case 'md5':
      return constantTimeEqual(createHash('md5').update(utf8Bytes(plain)).digest('hex'), hash.toLowerCase());
    case 'wp-bcrypt':
      return verifyBcrypt(hash.slice(3), wordpressPrehash(plain));
    case 'bcrypt':
      return verifyBcrypt(hash, plain);
    case 'phpass': {
      const candidate = phpassCrypt(utf8Bytes(plain), hash);
      return candidate !== null && constantTimeEqual(candidate, hash);
    }
    default: {
      const never: never = scheme;
      return never;
    }
  }
}
