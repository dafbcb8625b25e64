import type { HashingMethod } from './types';

/**
 * The hashing method of a hash that names its own scheme, for import rows that
 * leave `hashing_method` empty. Only prefixes that belong to exactly one family
 * are recognised: a bare hex digest (md5? sha1? salted or not?), a DES crypt or
 * a base64 Firebase/scrypt hash could be several things, so they give null and
 * the row needs an explicit method. Whether the rest of the hash is well formed
 * is parseStoredPassword's job, not this function's.
 */
const PREFIXES: readonly (readonly [RegExp, HashingMethod])[] = [
  [/^\$bcrypt-hmac-sha384\$/, 'bcrypt_hmac_sha384'],
  [/^\$2[aby]\$/, 'bcrypt'],
  [/^\$[156]\$/, 'crypt'],
  [/^\$(?:P|H|wp)\$/, 'wordpress'],
  [/^(?:argon2)?\$argon2(?:id|i|d)\$/, 'argon2'],
  [/^\$scrypt\$/, 'scrypt'],
  [/^scrypt\$/, 'scrypt'],
  [/^pbkdf2_sha(?:1|256)\$/, 'pbkdf2'],
  [/^\$pbkdf2(?:-sha(?:1|256|512))?\$/, 'pbkdf2'],
  [/^\{(?:SHA|SSHA|SSHA256|SSHA512|MD5|SMD5|CRYPT)\}/i, 'ldap'],
  [/^bcrypt_sha256\$/, 'bcrypt_sha256'],
  [/^\$bcrypt-sha256\$/, 'bcrypt_sha256'],
  [/^\$apr1\$/, 'apr1'],
  [/^\$S\$/, 'drupal7'],
];

export function detectHashingMethod(hash: string | null | undefined): HashingMethod | null {
  if (typeof hash !== 'string' || hash === '') return null;
  for (const [pattern, method] of PREFIXES) {
    if (pattern.test(hash)) return method;
  }
  return null;
}
