import bcryptjs from 'bcryptjs';
import { constantTimeEqual } from './constant-time';
import { FAMILY_OK, reject, type FamilyCheck, type PasswordLimits } from './types';

/**
 * bcrypt: `$2a$`, `$2b$` and `$2y$` are treated alike (they differ only in how
 * old buggy implementations handled 8-bit characters or >255-byte inputs).
 * Like every bcrypt, only the first 72 bytes of the UTF-8 password count.
 */
const BCRYPT_PATTERN = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

export const BCRYPT_MIN_COST = 4;
export const BCRYPT_MAX_COST = 31;
/** bcrypt ignores password bytes after this many. */
export const BCRYPT_MAX_INPUT_BYTES = 72;

export function isBcryptHash(hash: string): boolean {
  return BCRYPT_PATTERN.test(hash);
}

/** The cost of a well-formed bcrypt hash, or null. */
export function bcryptCost(hash: string): number | null {
  const match = BCRYPT_PATTERN.exec(hash);
  return match ? Number(match[1]) : null;
}

export function checkBcrypt(hash: string, limits: PasswordLimits): FamilyCheck {
  const cost = bcryptCost(hash);
  if (cost === null) {
    return reject('HASH_MALFORMED', 'not a bcrypt hash ($2a$, $2b$ or $2y$, two-digit cost, 53 characters of salt and digest)');
  }
  if (cost < BCRYPT_MIN_COST || cost > BCRYPT_MAX_COST) {
    return reject('HASH_MALFORMED', `bcrypt cost ${cost} is outside bcrypt's range ${BCRYPT_MIN_COST}-${BCRYPT_MAX_COST}`);
  }
  if (cost > limits.maxBcryptCost) {
    return reject('WORK_FACTOR_OUT_OF_BOUNDS', `bcrypt cost ${cost} exceeds the accepted maximum ${limits.maxBcryptCost}`);
  }
  return FAMILY_OK;
}

/** Recomputes the hash with the stored salt and compares in constant time. */
export function verifyBcrypt(hash: string, plain: string): boolean {
  if (!isBcryptHash(hash)) return false;
  // hashSync keeps the stored minor version ($2y$ stays $2y$), so the result
  // is directly comparable with the stored string.
  const candidate = bcryptjs.hashSync(plain, hash.slice(0, 29));
  return constantTimeEqual(candidate, hash);
}

export function hashBcrypt(plain: string, cost: number): string {
  if (!Number.isInteger(cost) || cost < BCRYPT_MIN_COST || cost > BCRYPT_MAX_COST) {
    throw new RangeError(`bcrypt cost must be an integer ${BCRYPT_MIN_COST}-${BCRYPT_MAX_COST}`);
  }
  return bcryptjs.hashSync(plain, bcryptjs.genSaltSync(cost));
}
