import { randomBytes } from 'node:crypto';
import { checkBcrypt, verifyBcrypt } from './bcrypt';
import { checkArgon2, verifyArgon2 } from './argon2';
import { checkBcryptSha256, checkRosterBcrypt, hashRosterBcrypt, verifyBcryptSha256, verifyRosterBcrypt } from './bcrypt-prehash';
import { checkCrypt, cryptEmbeddedSalt, verifyCrypt } from './crypt';
import { checkLdap, verifyLdap } from './ldap';
import { checkApr1, checkDrupal7, verifyApr1, verifyDrupal7 } from './legacy-web';
import { checkPbkdf2, verifyPbkdf2 } from './pbkdf2';
import { checkDigestHash, checkHexSalt, verifySaltedDigest, type DigestSalt } from './salted-digest';
import { checkFirebaseScrypt, checkScrypt, normaliseParams, verifyFirebaseScrypt, verifyScrypt } from './scrypt';
import { upgradeWanted } from './upgrade-policy';
import {
  DEFAULT_PASSWORD_LIMITS,
  HASHING_METHODS,
  MAX_PASSWORD_BYTES,
  type FamilyCheck,
  type HashingMethod,
  type ParseStoredPasswordResult,
  type PasswordLimits,
  type SaltFormat,
  type SaltPosition,
  type StoredPassword,
  type StoredPasswordInput,
} from './types';
import { checkWordpress, verifyWordpress, wordpressScheme } from './wordpress';

/** Hashes longer than this are refused before any pattern matching. */
const MAX_HASH_LENGTH = 256;
const MAX_SALT_LENGTH = 1024;

function fail(code: Exclude<FamilyCheck, { ok: true }>['code'], reason: string): ParseStoredPasswordResult {
  return { ok: false, code, reason };
}

function isHashingMethod(value: string): value is HashingMethod {
  return (HASHING_METHODS as readonly string[]).includes(value);
}

/** Empty and null mean "not given" in CSV and NDJSON rows alike. */
function given(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : value;
}

/**
 * Validates an imported or API-supplied hash against its method and returns
 * the plain data to store, or a reason (without hash or salt) why it cannot be
 * stored. Method names are case-insensitive (Kinde's docs write "SHA256").
 *
 * Salt rules (Kinde's table: md5 and sha256 "salt optional, position required
 * if salt included"; bcrypt takes none; crypt and wordpress embed theirs):
 * - md5/sha1/sha256/sha512: a salt needs salt_position; salt_format defaults to `string`.
 * - bcrypt/crypt/wordpress: a supplied salt must equal the one embedded in the
 *   hash (it is then dropped); anything else is refused rather than ignored.
 * - firebase_scrypt, and scrypt given as a bare base64 key: the base64 salt and
 *   `params` are kept beside the hash (params normalised: known keys, numbers).
 * - every other family embeds its salt: a separate salt is refused.
 * Every cost parameter is bounded by `limits` (WORK_FACTOR_OUT_OF_BOUNDS).
 */
export function parseStoredPassword(input: StoredPasswordInput, limits: PasswordLimits = DEFAULT_PASSWORD_LIMITS): ParseStoredPasswordResult {
  const rawMethod = given(input.hashing_method);
  if (rawMethod === undefined) return fail('HASHING_METHOD_UNSUPPORTED', 'hashing_method is missing');
  const method = rawMethod.trim().toLowerCase();
  if (!isHashingMethod(method)) {
    return fail('HASHING_METHOD_UNSUPPORTED', `hashing_method must be one of ${HASHING_METHODS.join(', ')}`);
  }
  const hash = given(input.hashed_password);
  if (hash === undefined) return fail('HASH_MISSING', 'hashed_password is missing');
  if (hash.length > MAX_HASH_LENGTH) return fail('HASH_MALFORMED', `hashed_password is longer than ${MAX_HASH_LENGTH} characters`);

  const salt = given(input.salt);
  const rawPosition = given(input.salt_position)?.toLowerCase();
  const rawFormat = given(input.salt_format)?.toLowerCase();
  if (rawPosition !== undefined && rawPosition !== 'prefix' && rawPosition !== 'suffix') {
    return fail('SALT_INVALID', 'salt_position must be prefix or suffix');
  }
  if (rawFormat !== undefined && rawFormat !== 'string' && rawFormat !== 'hex') {
    return fail('SALT_INVALID', 'salt_format must be string or hex');
  }
  const position: SaltPosition | undefined = rawPosition;
  const format: SaltFormat = rawFormat ?? 'string';

  switch (method) {
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512': {
      const check = checkDigestHash(method, hash);
      if (!check.ok) return check;
      const normalized = hash.toLowerCase();
      if (salt === undefined) return { ok: true, password: { method, hash: normalized } };
      if (salt.length > MAX_SALT_LENGTH) return fail('SALT_INVALID', `salt is longer than ${MAX_SALT_LENGTH} characters`);
      if (position === undefined) {
        return fail('SALT_POSITION_REQUIRED', `salt_position (prefix or suffix) is required when a ${method} salt is given`);
      }
      if (format === 'hex') {
        const hex = checkHexSalt(salt);
        if (!hex.ok) return hex;
      }
      return {
        ok: true,
        password: { method, hash: normalized, salt, salt_position: position, salt_format: format },
      };
    }
    case 'bcrypt':
    case 'crypt':
    case 'wordpress': {
      const check = familyCheck(method, hash, limits);
      if (!check.ok) return check;
      if (salt !== undefined && salt !== embeddedSalt(method, hash)) {
        return fail('SALT_NOT_ALLOWED', `a ${method} hash carries its own salt; the separate salt does not match it`);
      }
      return { ok: true, password: { method, hash } };
    }
    case 'scrypt':
    case 'firebase_scrypt': {
      if (salt !== undefined && salt.length > MAX_SALT_LENGTH) return fail('SALT_INVALID', `salt is longer than ${MAX_SALT_LENGTH} characters`);
      const params = input.params ?? undefined;
      const check = method === 'scrypt' ? checkScrypt(hash, salt, params, limits) : checkFirebaseScrypt(hash, salt, params, limits);
      if (!check.ok) return check;
      // The self-describing scrypt forms carry salt and parameters; only the
      // separate-field form (a bare base64 hash) keeps them beside the hash.
      if (method === 'scrypt' && hash.includes('$')) {
        if (salt !== undefined) return fail('SALT_NOT_ALLOWED', 'this scrypt hash carries its own salt; give it without a separate salt');
        return { ok: true, password: { method, hash } };
      }
      const kept = normaliseParams(method, params);
      return {
        ok: true,
        password: { method, hash, ...(salt !== undefined ? { salt } : {}), ...(kept !== undefined ? { params: kept } : {}) },
      };
    }
    case 'argon2':
    case 'pbkdf2':
    case 'ldap':
    case 'bcrypt_sha256':
    case 'apr1':
    case 'drupal7':
    case 'bcrypt_hmac_sha384': {
      const check = selfSaltedCheck(method, hash, limits);
      if (!check.ok) return check;
      if (salt !== undefined) return fail('SALT_NOT_ALLOWED', `a ${method} hash carries its own salt; give it without a separate salt`);
      return { ok: true, password: { method, hash } };
    }
    default: {
      const never: never = method;
      return never;
    }
  }
}

type SelfSalted = 'argon2' | 'pbkdf2' | 'ldap' | 'bcrypt_sha256' | 'apr1' | 'drupal7' | 'bcrypt_hmac_sha384';

function selfSaltedCheck(method: SelfSalted, hash: string, limits: PasswordLimits): FamilyCheck {
  switch (method) {
    case 'argon2':
      return checkArgon2(hash, limits);
    case 'pbkdf2':
      return checkPbkdf2(hash, limits);
    case 'ldap':
      return checkLdap(hash, limits);
    case 'bcrypt_sha256':
      return checkBcryptSha256(hash, limits);
    case 'apr1':
      return checkApr1(hash);
    case 'drupal7':
      return checkDrupal7(hash, limits);
    case 'bcrypt_hmac_sha384':
      return checkRosterBcrypt(hash, limits);
    default: {
      const never: never = method;
      return never;
    }
  }
}

function familyCheck(method: 'bcrypt' | 'crypt' | 'wordpress', hash: string, limits: PasswordLimits): FamilyCheck {
  switch (method) {
    case 'bcrypt':
      return checkBcrypt(hash, limits);
    case 'crypt':
      return checkCrypt(hash, limits);
    case 'wordpress':
      return checkWordpress(hash, limits);
    default: {
      const never: never = method;
      return never;
    }
  }
}

function embeddedSalt(method: 'bcrypt' | 'crypt' | 'wordpress', hash: string): string | null {
  switch (method) {
    case 'bcrypt':
    case 'crypt':
      return cryptEmbeddedSalt(hash);
    case 'wordpress': {
      const scheme = wordpressScheme(hash);
      if (scheme === 'phpass') return hash.slice(4, 12);
      if (scheme === 'wp-bcrypt') return hash.slice(10, 32);
      if (scheme === 'bcrypt') return hash.slice(7, 29);
      return null;
    }
    default: {
      const never: never = method;
      return never;
    }
  }
}

function digestSalt(stored: StoredPassword): DigestSalt | undefined {
  if (stored.salt === undefined || stored.salt === '') return undefined;
  return {
    salt: stored.salt,
    salt_position: stored.salt_position ?? 'prefix',
    salt_format: stored.salt_format ?? 'string',
  };
}

/**
 * Synchronous verification; CPU-bound for bcrypt and crypt, so a server calls
 * it through the worker pool (createPasswordVerifier), never on its event loop.
 * The stored value is re-validated first (it may come from an old event), so a
 * hash outside `limits` or malformed is simply a failed verification.
 */
export function verifyPasswordSync(stored: StoredPassword, plain: string, limits: PasswordLimits = DEFAULT_PASSWORD_LIMITS): boolean {
  if (typeof plain !== 'string' || Buffer.byteLength(plain, 'utf8') > MAX_PASSWORD_BYTES) return false;
  const parsed = parseStoredPassword(
    {
      hashed_password: stored.hash,
      hashing_method: stored.method,
      salt: stored.salt ?? null,
      salt_position: stored.salt_position ?? null,
      salt_format: stored.salt_format ?? null,
      params: stored.params ?? null,
    },
    limits,
  );
  if (!parsed.ok) return false;
  const password = parsed.password;
  switch (password.method) {
    case 'bcrypt':
      return verifyBcrypt(password.hash, plain);
    case 'crypt':
      return verifyCrypt(password.hash, plain);
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
      return verifySaltedDigest(password.method, password.hash, plain, digestSalt(password));
    case 'wordpress':
      return verifyWordpress(password.hash, plain);
    case 'argon2':
      return verifyArgon2(password.hash, plain);
    case 'scrypt':
      return verifyScrypt(password.hash, password.salt, password.params, plain);
    case 'firebase_scrypt':
      return verifyFirebaseScrypt(password.hash, password.salt, password.params, plain);
    case 'pbkdf2':
      return verifyPbkdf2(password.hash, plain);
    case 'ldap':
      return verifyLdap(password.hash, plain);
    case 'bcrypt_sha256':
      return verifyBcryptSha256(password.hash, plain);
    case 'apr1':
      return verifyApr1(password.hash, plain);
    case 'drupal7':
      return verifyDrupal7(password.hash, plain);
    case 'bcrypt_hmac_sha384':
      return verifyRosterBcrypt(password.hash, plain);
    default: {
      const never: never = password.method;
      return never;
    }
  }
}

/** Same as verifyPasswordSync, as a promise; runs on the calling thread. */
// eslint-disable-next-line @typescript-eslint/require-await -- async so that a throw from the sync check becomes a rejection
export async function verifyPassword(stored: StoredPassword, plain: string, limits: PasswordLimits = DEFAULT_PASSWORD_LIMITS): Promise<boolean> {
  return verifyPasswordSync(stored, plain, limits);
}

/**
 * Whether a successful sign-in should re-hash the password with hashPassword
 * (bcrypt_hmac_sha384 at `bcryptCostWanted`). The rules, and why an upgrade is
 * never weaker than the hash it replaces, are in upgrade-policy.ts.
 */
export function needsUpgrade(stored: StoredPassword, bcryptCostWanted: number): boolean {
  return upgradeWanted(stored, bcryptCostWanted);
}

/**
 * A new password hash: bcrypt over an HMAC-SHA-384 pre-hash
 * (bcrypt_hmac_sha384), so every byte of a password up to MAX_PASSWORD_BYTES
 * counts. CPU-bound: use the pool in a server.
 */
export function hashPassword(plain: string, cost: number): StoredPassword {
  return { method: 'bcrypt_hmac_sha384', hash: hashRosterBcrypt(plain, cost) };
}

/**
 * A bcrypt_hmac_sha384 hash of a random secret at the given cost, for unknown
 * identities and users without a password: verifying against it costs what a
 * real verification of a new password costs and can never succeed in practice.
 * Create it once at start-up with the configured cost.
 */
export function createDummyPassword(cost: number): StoredPassword {
  return hashPassword(randomBytes(32).toString('base64'), cost);
}
