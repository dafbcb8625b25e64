import { hashRawSync } from '@node-rs/argon2';
import { decodeBase64 } from './base64';
import { constantTimeEqual, utf8Bytes } from './constant-time';
import { FAMILY_OK, reject, type FamilyCheck, type PasswordLimits } from './types';

/**
 * argon2id, argon2i and argon2d PHC strings as libargon2, argon2-cffi, passlib,
 * PHP's password_hash and Keycloak write them:
 * `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>` (unpadded base64;
 * `v=` absent means version 0x10), and Django's `argon2$argon2id$…` prefix.
 * We recompute the raw hash with the stored salt and parameters (the parameters
 * are bounded first) and compare in constant time ourselves.
 */
export type Argon2Type = 'argon2d' | 'argon2i' | 'argon2id';

export interface Argon2Hash {
  readonly type: Argon2Type;
  readonly version: 0x10 | 0x13;
  readonly memoryKiB: number;
  readonly passes: number;
  readonly parallelism: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const PHC = /^(?:argon2)?\$(argon2id|argon2i|argon2d)\$(?:v=(16|19)\$)?m=([1-9][0-9]{0,9}),t=([1-9][0-9]{0,9}),p=([1-9][0-9]{0,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const MIN_SALT_BYTES = 8;
const MAX_SALT_BYTES = 64;
const MIN_HASH_BYTES = 4;
const MAX_HASH_BYTES = 64;
// @node-rs/argon2's numeric enums (const enums in its typings).
const ALGORITHM: Record<Argon2Type, number> = { argon2d: 0, argon2i: 1, argon2id: 2 };
const VERSION = { 0x10: 0, 0x13: 1 } as const;

export function parseArgon2(text: string): Argon2Hash | null {
  const m = PHC.exec(text);
  if (!m) return null;
  const salt = decodeBase64(m[6]!);
  const hash = decodeBase64(m[7]!);
  if (salt === null || hash === null) return null;
  return {
    type: m[1] as Argon2Type,
    version: m[2] === '16' ? 0x10 : m[2] === undefined ? 0x10 : 0x13,
    memoryKiB: Number(m[3]),
    passes: Number(m[4]),
    parallelism: Number(m[5]),
    salt,
    hash,
  };
}

export function checkArgon2(text: string, limits: PasswordLimits): FamilyCheck {
  const parsed = parseArgon2(text);
  if (parsed === null) {
    return reject('HASH_MALFORMED', 'not an argon2 PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash, or argon2i/argon2d)');
  }
  if (parsed.salt.length < MIN_SALT_BYTES || parsed.salt.length > MAX_SALT_BYTES) {
    return reject('HASH_MALFORMED', `an argon2 salt must be ${MIN_SALT_BYTES}-${MAX_SALT_BYTES} bytes`);
  }
  if (parsed.hash.length < MIN_HASH_BYTES || parsed.hash.length > MAX_HASH_BYTES) {
    return reject('HASH_MALFORMED', `an argon2 hash must be ${MIN_HASH_BYTES}-${MAX_HASH_BYTES} bytes`);
  }
  if (parsed.memoryKiB < 8 * parsed.parallelism) return reject('HASH_MALFORMED', 'argon2 memory must be at least 8 KiB per lane');
  if (parsed.memoryKiB > limits.maxArgon2MemoryKiB) {
    return reject('WORK_FACTOR_OUT_OF_BOUNDS', `argon2 memory ${parsed.memoryKiB} KiB exceeds the accepted maximum ${limits.maxArgon2MemoryKiB}`);
  }
  if (parsed.passes > limits.maxArgon2Passes) {
    return reject('WORK_FACTOR_OUT_OF_BOUNDS', `argon2 passes ${parsed.passes} exceeds the accepted maximum ${limits.maxArgon2Passes}`);
  }
  if (parsed.parallelism > limits.maxArgon2Parallelism) {
    return reject('WORK_FACTOR_OUT_OF_BOUNDS', `argon2 parallelism ${parsed.parallelism} exceeds the accepted maximum ${limits.maxArgon2Parallelism}`);
  }
  if (parsed.memoryKiB * parsed.passes > limits.maxArgon2MemoryPasses) {
    return reject('WORK_FACTOR_OUT_OF_BOUNDS', `argon2 memory × passes ${parsed.memoryKiB * parsed.passes} exceeds the accepted maximum ${limits.maxArgon2MemoryPasses}`);
  }
  return FAMILY_OK;
}

export function verifyArgon2(text: string, plain: string): boolean {
  const parsed = parseArgon2(text);
  if (parsed === null) return false;
  const candidate = hashRawSync(utf8Bytes(plain), {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- const enums cannot be imported under isolatedModules; these are their values
    algorithm: ALGORITHM[parsed.type],
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- as above
    version: VERSION[parsed.version],
    memoryCost: parsed.memoryKiB,
    timeCost: parsed.passes,
    parallelism: parsed.parallelism,
    outputLen: parsed.hash.length,
    salt: parsed.salt,
  });
  return constantTimeEqual(candidate, parsed.hash);
}
