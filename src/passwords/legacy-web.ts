import { createHash } from 'node:crypto';
import { constantTimeEqual, utf8Bytes } from './constant-time';
import { md5Crypt } from './md5-crypt';
import { FAMILY_OK, reject, type FamilyCheck, type PasswordLimits } from './types';
import { phpassEncode64 } from './wordpress';

/**
 * Two fixed-format hashes from web stacks:
 * - Apache `$apr1$<salt ≤8>$<22 chars>` (htpasswd -m): MD5-crypt with the magic
 *   `$apr1$`; a fixed 1,000 rounds, so no bound is needed
 * - Drupal 7 `$S$<log2><8-char salt><43 chars>` (55 characters): 2^n rounds of
 *   SHA-512(previous ‖ password), phpass's encoding, truncated to 55 characters
 *   (includes/password.inc, _password_crypt)
 */
const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const APR1 = /^\$apr1\$([^$]{0,8})\$([./0-9A-Za-z]{22})$/;
const DRUPAL7 = /^\$S\$[./0-9A-Za-z]{52}$/;
export const DRUPAL_MIN_LOG2 = 7;
export const DRUPAL_MAX_LOG2 = 30;

export function checkApr1(hash: string): FamilyCheck {
  return APR1.test(hash) ? FAMILY_OK : reject('HASH_MALFORMED', 'not an Apache $apr1$ hash ($apr1$<salt>$<22 characters>)');
}

export function verifyApr1(hash: string, plain: string): boolean {
  const m = APR1.exec(hash);
  return m !== null && constantTimeEqual(md5Crypt(utf8Bytes(plain), m[1]!, '$apr1$'), hash);
}

export function drupalLog2(hash: string): number {
  return ITOA64.indexOf(hash[3] ?? '');
}

export function checkDrupal7(hash: string, limits: PasswordLimits): FamilyCheck {
  if (!DRUPAL7.test(hash)) return reject('HASH_MALFORMED', 'not a Drupal 7 hash ($S$ and 52 characters)');
  const log2 = drupalLog2(hash);
  if (log2 < DRUPAL_MIN_LOG2 || log2 > DRUPAL_MAX_LOG2) {
    return reject('HASH_MALFORMED', `Drupal 7 iteration exponent ${log2} is outside Drupal's range ${DRUPAL_MIN_LOG2}-${DRUPAL_MAX_LOG2}`);
  }
  if (log2 > limits.maxDrupalLog2) {
    return reject('WORK_FACTOR_OUT_OF_BOUNDS', `Drupal 7 iteration exponent ${log2} exceeds the accepted maximum ${limits.maxDrupalLog2}`);
  }
  return FAMILY_OK;
}

export function verifyDrupal7(hash: string, plain: string): boolean {
  if (!DRUPAL7.test(hash)) return false;
  const log2 = drupalLog2(hash);
  if (log2 < DRUPAL_MIN_LOG2 || log2 > DRUPAL_MAX_LOG2) return false;
  const password = utf8Bytes(plain);
  const salt = Buffer.from(hash.slice(4, 12), 'latin1');
  let digest = createHash('sha512').update(salt).update(password).digest();
  for (let count = 2 ** log2; count > 0; count--) {
    digest = createHash('sha512').update(digest).update(password).digest();
  }
  const candidate = (hash.slice(0, 12) + phpassEncode64(digest, digest.length)).slice(0, 55);
  return constantTimeEqual(candidate, hash);
}
