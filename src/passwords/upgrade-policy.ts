import { parseArgon2 } from './argon2';
import { bcryptCost } from './bcrypt';
import { prehashedBcryptCost } from './bcrypt-prehash';
import { cryptScheme } from './crypt';
import { parsePbkdf2, type Pbkdf2Digest } from './pbkdf2';
import { firebaseScryptCost, scryptCost, type ScryptCost } from './scrypt';
import type { StoredPassword } from './types';
import { wordpressScheme } from './wordpress';

/**
 * When a successful sign-in replaces the stored hash by bcrypt_hmac_sha384 at
 * the configured cost C (ROSTER_BCRYPT_COST, default 10, at least OWASP's
 * bcrypt minimum of 10 unless lowered by hand). The rule: replace a hash only
 * by one that is at least as expensive to attack, and never by one that reads
 * less of the password.
 *
 * - bcrypt_hmac_sha384: when its cost is below C.
 * - Any other bcrypt-based hash (bcrypt, crypt/wordpress bcrypt, $wp$,
 *   bcrypt_sha256): when its cost is at most C — same or more work, and the
 *   pre-hash now covers the whole password. A cost above C is kept: the pool
 *   hashes only at C, which would be weaker.
 * - argon2 (id, i or d) at or above OWASP's argon2id minimum (m ≥ 7 MiB and m·t ≥ 35 MiB·passes,
 *   i.e. 19 MiB × 2 or an equivalent OWASP lists): kept. It reads the whole
 *   password and is memory-hard; OWASP rates these settings as equal to bcrypt
 *   at cost 10.
 * - scrypt and Firebase scrypt with more work than N·r·p = 2^17 (N=2^14, r=8,
 *   p=1, Firebase's default, which GPUs crack at ~7 kH/s against ~6 kH/s for
 *   bcrypt at cost 10 in public hashcat benchmarks): kept; at or below it,
 *   replaced (bcrypt at cost 10 is at least as slow to attack).
 * - PBKDF2 at or above OWASP's iterations (SHA-1 1,300,000, SHA-256 600,000,
 *   SHA-512 210,000): kept, same reason.
 * - LDAP `{CRYPT}`: as the crypt hash inside it. Everything else
 *   (unsalted/salted digests, other LDAP schemes, MD5-crypt, apr1, DES,
 *   SHA-crypt ≤ 400,000 rounds, phpass ≤ 2^16, Drupal 7 ≤ 2^18, and the
 *   memory-hard/PBKDF2 hashes below those minimums): replaced. Each of them,
 *   at its accepted maximum, costs an attacker less than bcrypt at cost 10
 *   (published GPU cracking rates), so the replacement is never weaker.
 */
const PBKDF2_MIN_ITERATIONS: Record<Pbkdf2Digest, number> = { sha1: 1_300_000, sha256: 600_000, sha512: 210_000 };
const ARGON2ID_MIN_MEMORY_KIB = 7_168;
const ARGON2ID_MIN_MEMORY_PASSES = 35_840;
/** Kept only above this N·r·p (see above). */
const SCRYPT_REPLACE_UP_TO_WORK = 2 ** 17;

function bcryptUpgrade(cost: number | null, wanted: number): boolean {
  return cost === null || cost <= wanted;
}

function scryptStrongEnough(cost: ScryptCost | null): boolean {
  return cost !== null && cost.n * cost.r * cost.p > SCRYPT_REPLACE_UP_TO_WORK;
}

function cryptUpgrade(hash: string, wanted: number): boolean {
  return cryptScheme(hash) === 'bcrypt' ? bcryptUpgrade(bcryptCost(hash), wanted) : true;
}

export function upgradeWanted(stored: StoredPassword, wanted: number): boolean {
  switch (stored.method) {
    case 'bcrypt_hmac_sha384': {
      const cost = prehashedBcryptCost(stored.hash);
      return cost === null || cost < wanted;
    }
    case 'bcrypt':
      return bcryptUpgrade(bcryptCost(stored.hash), wanted);
    case 'bcrypt_sha256':
      return bcryptUpgrade(prehashedBcryptCost(stored.hash), wanted);
    case 'crypt':
      return cryptUpgrade(stored.hash, wanted);
    case 'ldap':
      return /^\{crypt\}/i.test(stored.hash) ? cryptUpgrade(stored.hash.slice('{CRYPT}'.length), wanted) : true;
    case 'wordpress': {
      const scheme = wordpressScheme(stored.hash);
      if (scheme === 'bcrypt') return bcryptUpgrade(bcryptCost(stored.hash), wanted);
      if (scheme === 'wp-bcrypt') return bcryptUpgrade(bcryptCost(stored.hash.slice(3)), wanted);
      return true;
    }
    case 'argon2': {
      const parsed = parseArgon2(stored.hash);
      // argon2i and argon2d too: replacing a strong one by bcrypt at cost 10 could be weaker.
      if (parsed === null) return true;
      return parsed.memoryKiB < ARGON2ID_MIN_MEMORY_KIB || parsed.memoryKiB * parsed.passes < ARGON2ID_MIN_MEMORY_PASSES;
    }
    case 'scrypt':
      return !scryptStrongEnough(scryptCost(stored.hash, stored.salt, stored.params));
    case 'firebase_scrypt':
      return !scryptStrongEnough(firebaseScryptCost(stored.hash, stored.salt, stored.params));
    case 'pbkdf2': {
      const parsed = parsePbkdf2(stored.hash);
      return parsed === null || parsed.iterations < PBKDF2_MIN_ITERATIONS[parsed.digest];
    }
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
    case 'apr1':
    case 'drupal7':
      return true;
    default: {
      const never: never = stored.method;
      return never;
    }
  }
}
