/**
 * Password hashes: parse what an import or the API supplies (and detect the
 * method of self-describing hashes), verify in constant time within bounds,
 * upgrade to bcrypt_hmac_sha384 (bcrypt over an HMAC-SHA-384 pre-hash) when
 * that is not weaker, and check temporary passwords. Everything here is pure except the worker pool (pool.ts).
 */
export {
  DEFAULT_PASSWORD_LIMITS,
  HASHING_METHODS,
  MAX_PASSWORD_BYTES,
  type HashingMethod,
  type ParseStoredPasswordResult,
  type PasswordLimits,
  type PasswordParams,
  type PasswordRejectionCode,
  type SaltFormat,
  type SaltPosition,
  type StoredPassword,
  type StoredPasswordInput,
} from './types';
export { detectHashingMethod } from './detect';
export { kindePbkdf2ToPasslib, KINDE_PBKDF2_VARIANTS } from './kinde-pbkdf2';
export { createDummyPassword, hashPassword, needsUpgrade, parseStoredPassword, verifyPassword, verifyPasswordSync } from './stored-password';
export { createPasswordVerifier, DEFAULT_BCRYPT_COST, PasswordVerifierBusyError, PasswordVerifierError, type PasswordVerifier, type PasswordVerifierOptions } from './pool';
export { checkTemporaryPasswordStrength, TEMPORARY_PASSWORD_MIN_LENGTH, type TemporaryPasswordProblem } from './temporary-password';
