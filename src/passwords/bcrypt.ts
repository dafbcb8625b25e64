import { createRequire } from 'node:module';
import bcryptjs from 'bcryptjs';
import { constantTimeEqual } from './constant-time';
import { FAMILY_OK, reject, type FamilyCheck, type PasswordLimits } from './types';

/**
 * Two implementations of the same bcrypt: `@node-rs/bcrypt` (native, prebuilt in
 * its npm packages for the usual platforms) computes a hash in less CPU than
 * bcryptjs (pure JavaScript), which stays as the fallback where the native module
 * cannot load, or when ROSTER_BCRYPT=bcryptjs asks for it. Both hash the UTF-8
 * bytes of the password (the first 72 count) with the same salt and cost and give
 * the same string; verification compares that string with the stored one in
 * constant time here, whichever computed it.
 */
interface NativeBcrypt {
  hashSync(input: string, cost: number, salt?: Uint8Array): string;
}

function loadNative(): NativeBcrypt | null {
  if (process.env.ROSTER_BCRYPT === 'bcryptjs') return null;
  try {
    return createRequire(import.meta.url)('@node-rs/bcrypt') as NativeBcrypt;
  } catch {
    return null; // no prebuilt binary for this platform: bcryptjs
  }
}

const native = loadNative();

/** Which implementation computes bcrypt in this process. */
export const BCRYPT_IMPLEMENTATION: 'native' | 'bcryptjs' = native ? 'native' : 'bcryptjs';

/**
 * The bcrypt string for `plain` with the version, cost and salt of `setting`
 * (the first 29 characters of a hash: `$2b$10$` + 22 salt characters). Like
 * bcryptjs, the version is kept as given ($2a$, $2b$, $2y$ compute alike) and the
 * salt is written back in its canonical form.
 */
export function bcryptWithSetting(plain: string, setting: string, implementation = BCRYPT_IMPLEMENTATION): string {
  if (implementation === 'native' && native) {
    try {
      const cost = Number(setting.slice(4, 6));
      const salt = Uint8Array.from(bcryptjs.decodeBase64(setting.slice(7, 29), 16));
      return setting.slice(0, 4) + native.hashSync(plain, cost, salt).slice(4);
    } catch {
      // An input the native module refuses: the same hash from bcryptjs.
    }
  }
  return bcryptjs.hashSync(plain, setting);
}

/**
 * bcrypt: `$2a$`, `$2b$` and `$2y$` are treated alike (they differ only in how
 * old buggy implementations handled 8-bit characters or >255-byte inputs).
 * Like every bcrypt, only the first 72 bytes of the UTF-8 password count.
 */
const BCRYPT_PATTERN = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

export const BCRYPT_MIN_COST = 4;
export const BCRYPT_MAX_COST = 31;
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
  // The stored minor version is kept ($2y$ stays $2y$), so the result is
  // directly comparable with the stored string.
  const candidate = bcryptWithSetting(plain, hash.slice(0, 29));
  return constantTimeEqual(candidate, hash);
}

export function hashBcrypt(plain: string, cost: number): string {
  if (!Number.isInteger(cost) || cost < BCRYPT_MIN_COST || cost > BCRYPT_MAX_COST) {
    throw new RangeError(`bcrypt cost must be an integer ${BCRYPT_MIN_COST}-${BCRYPT_MAX_COST}`);
  }
  return bcryptWithSetting(plain, bcryptjs.genSaltSync(cost));
}
