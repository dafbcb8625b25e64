import { createHash } from 'node:crypto';
import { constantTimeEqual, utf8Bytes } from './constant-time';
import { FAMILY_OK, reject, type FamilyCheck, type SaltFormat, type SaltPosition } from './types';

/**
 * `md5`, `sha1`, `sha256` and `sha512`: one hex digest (either case) of salt+password (salt
 * position `prefix`), password+salt (`suffix`), or the password alone.
 * Kinde: "By default, the salt is treated as a plain string, and escape
 * sequences (like \n or \v) are treated as literal characters"; with
 * salt_format `hex` "a hex-encoded string (68656c6c6f for hello)".
 */
export type DigestAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

export interface DigestSalt {
  readonly salt: string;
  readonly salt_position: SaltPosition;
  readonly salt_format: SaltFormat;
}

export function checkDigestHash(algorithm: DigestAlgorithm, hash: string): FamilyCheck {
  const length = HEX_LENGTH[algorithm];
  if (hash.length !== length || !/^[0-9a-fA-F]+$/.test(hash)) {
    return reject('HASH_MALFORMED', `not a ${algorithm} hex digest (${length} hexadecimal characters)`);
  }
  return FAMILY_OK;
}

export function checkHexSalt(salt: string): FamilyCheck {
  if (salt.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(salt)) {
    return reject('SALT_INVALID', 'salt_format is hex but the salt is not an even number of hexadecimal characters');
  }
  return FAMILY_OK;
}

export function saltBytes(salt: string, format: SaltFormat): Buffer {
  switch (format) {
    case 'string':
      return utf8Bytes(salt);
    case 'hex':
      return Buffer.from(salt, 'hex');
    default: {
      const never: never = format;
      return never;
    }
  }
}

export function saltedDigestHex(algorithm: DigestAlgorithm, plain: string, salt: DigestSalt | undefined): string {
  const password = utf8Bytes(plain);
  const h = createHash(algorithm);
  if (salt === undefined) {
    h.update(password);
  } else {
    const s = saltBytes(salt.salt, salt.salt_format);
    switch (salt.salt_position) {
      case 'prefix':
        h.update(s).update(password);
        break;
      case 'suffix':
        h.update(password).update(s);
        break;
      default: {
        const never: never = salt.salt_position;
        return never;
      }
    }
  }
  return h.digest('hex');
}

export function verifySaltedDigest(algorithm: DigestAlgorithm, hash: string, plain: string, salt: DigestSalt | undefined): boolean {
  return constantTimeEqual(saltedDigestHex(algorithm, plain, salt), hash.toLowerCase());
}
