import { createHash } from 'node:crypto';
import { decodeBase64 } from './base64';
import { constantTimeEqual, utf8Bytes } from './constant-time';
import { checkCrypt, verifyCrypt } from './crypt';
import { FAMILY_OK, reject, type FamilyCheck, type PasswordLimits } from './types';

/**
 * LDAP userPassword schemes (RFC 2307 and OpenLDAP's slappasswd): `{SCHEME}`
 * then base64 of the digest, followed by the salt for the salted ones
 * (`{SSHA}` = base64(SHA1(password + salt) + salt)). `{CRYPT}` wraps a crypt(3)
 * hash and follows the `crypt` family's rules and bounds. Scheme names are
 * case-insensitive, as OpenLDAP reads them.
 */
type DigestScheme = 'SHA' | 'SSHA' | 'SSHA256' | 'SSHA512' | 'MD5' | 'SMD5';
const DIGEST: Record<DigestScheme, { readonly algorithm: string; readonly length: number; readonly salted: boolean }> = {
  SHA: { algorithm: 'sha1', length: 20, salted: false },
  SSHA: { algorithm: 'sha1', length: 20, salted: true },
  SSHA256: { algorithm: 'sha256', length: 32, salted: true },
  SSHA512: { algorithm: 'sha512', length: 64, salted: true },
  MD5: { algorithm: 'md5', length: 16, salted: false },
  SMD5: { algorithm: 'md5', length: 16, salted: true },
};
/** slappasswd writes 4-byte salts (8 with -o module-load=pw-sha2 for SSHA2); other tools up to 16. */
const MAX_SALT_BYTES = 64;

interface LdapHash {
  readonly scheme: DigestScheme | 'CRYPT';
  readonly body: string;
}

function split(hash: string): LdapHash | null {
  const match = /^\{([A-Za-z0-9]+)\}(.*)$/s.exec(hash);
  if (!match) return null;
  const scheme = match[1]!.toUpperCase();
  if (scheme !== 'CRYPT' && !(scheme in DIGEST)) return null;
  return { scheme: scheme as LdapHash['scheme'], body: match[2]! };
}

function digestParts(scheme: DigestScheme, body: string): { digest: Buffer; salt: Buffer } | null {
  const spec = DIGEST[scheme];
  const bytes = decodeBase64(body);
  if (bytes === null) return null;
  if (!spec.salted) return bytes.length === spec.length ? { digest: bytes, salt: Buffer.alloc(0) } : null;
  if (bytes.length <= spec.length || bytes.length > spec.length + MAX_SALT_BYTES) return null;
  return { digest: bytes.subarray(0, spec.length), salt: bytes.subarray(spec.length) };
}

export function checkLdap(hash: string, limits: PasswordLimits): FamilyCheck {
  const parts = split(hash);
  if (parts === null) {
    return reject('HASH_MALFORMED', 'not an LDAP hash ({SHA}, {SSHA}, {SSHA256}, {SSHA512}, {MD5}, {SMD5} or {CRYPT})');
  }
  if (parts.scheme === 'CRYPT') return checkCrypt(parts.body, limits);
  if (digestParts(parts.scheme, parts.body) === null) {
    return reject('HASH_MALFORMED', `{${parts.scheme}} must be base64 of a ${DIGEST[parts.scheme].algorithm} digest${DIGEST[parts.scheme].salted ? ' followed by a salt' : ''}`);
  }
  return FAMILY_OK;
}

export function verifyLdap(hash: string, plain: string): boolean {
  const parts = split(hash);
  if (parts === null) return false;
  if (parts.scheme === 'CRYPT') return verifyCrypt(parts.body, plain);
  const decoded = digestParts(parts.scheme, parts.body);
  if (decoded === null) return false;
  const candidate = createHash(DIGEST[parts.scheme].algorithm).update(utf8Bytes(plain)).update(decoded.salt).digest();
  return constantTimeEqual(candidate, decoded.digest);
}
