import { PasswordMethodSchema } from '../domain/user/events';
/**
 * Shared shapes of the password library. A StoredPassword is plain JSON data:
 * it is what a `UserImported` / `UserPasswordSet` event carries, so it must
 * survive JSON.stringify/parse unchanged and never grow class instances.
 */

/**
 * The five hashing methods Kinde's import and "Set user password" API name,
 * then the families Roster accepts beyond them (README, "Password hashes"),
 * then `bcrypt_hmac_sha384`, the scheme Roster writes for new and upgraded
 * passwords (accepted on import too, so `roster export` round-trips). The list
 * is the user events' schema (a stored password's method is part of the event).
 */
export const HASHING_METHODS = PasswordMethodSchema.options;
export type HashingMethod = (typeof HASHING_METHODS)[number];

/**
 * Method parameters that are not part of the hash string (JSON data, stored
 * with the hash). Only two methods take any:
 * - `scrypt` given as separate fields: `n`, `r`, `p`, `key_length` (salt and
 *   hash base64 in `salt` / `hashed_password`)
 * - `firebase_scrypt`: the project's `signer_key` and `salt_separator`
 *   (base64), `rounds`, `mem_cost` (salt base64 in `salt`, hash base64 in
 *   `hashed_password`)
 * Numbers may arrive as decimal strings (CSV, query parameters).
 */
export type PasswordParams = Readonly<Record<string, string | number>>;

export type SaltPosition = 'prefix' | 'suffix';
export type SaltFormat = 'string' | 'hex';

export interface StoredPassword {
  readonly method: HashingMethod;
  /** The hash as imported (hex digests normalised to lowercase). */
  readonly hash: string;
  /** Only for md5/sha256, and only when the digest was salted. */
  readonly salt?: string;
  readonly salt_position?: SaltPosition;
  readonly salt_format?: SaltFormat;
  /** Only for scrypt (separate-field form) and firebase_scrypt; normalised. */
  readonly params?: PasswordParams;
}

/** Input as it arrives from an import row or `PUT /api/v1/users/{id}/password`. */
export interface StoredPasswordInput {
  readonly hashed_password: string | null | undefined;
  readonly hashing_method: string | null | undefined;
  readonly salt?: string | null;
  readonly salt_position?: string | null;
  readonly salt_format?: string | null;
  /** Parameters not in the hash string (see PasswordParams). */
  readonly params?: PasswordParams | null;
}

/**
 * Stable codes for a hash that cannot be stored. Import maps every one of them
 * to the row error PASSWORD_NOT_IMPORTED; the API answers 400 with the reason.
 */
export type PasswordRejectionCode = 'HASH_MISSING' | 'HASHING_METHOD_UNSUPPORTED' | 'HASH_MALFORMED' | 'WORK_FACTOR_OUT_OF_BOUNDS' | 'SALT_INVALID' | 'SALT_POSITION_REQUIRED' | 'SALT_NOT_ALLOWED';

export type ParseStoredPasswordResult =
  | { readonly ok: true; readonly password: StoredPassword }
  | {
      readonly ok: false;
      readonly code: PasswordRejectionCode;
      /** Human-readable; never contains the hash, the salt or the password. */
      readonly reason: string;
    };

/**
 * Work-factor bounds. A hostile import file could otherwise store hashes that
 * take seconds each to verify and turn sign-in into a denial of service.
 */
export interface PasswordLimits {
  /** Highest bcrypt cost accepted (bcrypt itself allows 4..31). */
  readonly maxBcryptCost: number;
  /** Highest `rounds=` accepted in $5$/$6$ hashes (glibc allows 1000..999,999,999). */
  readonly maxShaCryptRounds: number;
  /** Highest phpass iteration exponent (2^n MD5 rounds; phpass allows 7..30). */
  readonly maxPhpassLog2: number;
  /** Highest Drupal 7 `$S$` iteration exponent (2^n SHA-512 rounds; Drupal allows 7..30). */
  readonly maxDrupalLog2: number;
  /** argon2: highest memory `m=` in KiB, passes `t=`, lanes `p=`, and m × t. */
  readonly maxArgon2MemoryKiB: number;
  readonly maxArgon2Passes: number;
  readonly maxArgon2Parallelism: number;
  readonly maxArgon2MemoryPasses: number;
  /** scrypt (and Firebase's): highest memory 128·N·r in bytes, and highest N·r·p (the work). */
  readonly maxScryptMemoryBytes: number;
  readonly maxScryptWork: number;
  /** PBKDF2: highest iterations × output blocks (a 64-byte SHA-256 key is 2 blocks), per digest. */
  readonly maxPbkdf2Sha1Work: number;
  readonly maxPbkdf2Sha256Work: number;
  readonly maxPbkdf2Sha512Work: number;
}

/**
 * Defaults chosen so that the slowest accepted hash of each family costs at
 * most about what bcrypt at cost 14 costs (~1.1 s with bcryptjs on one core of
 * this kind of machine): sha512-crypt at 400,000 rounds ~0.7 s, phpass 2^16
 * ~0.1 s (WordPress writes 2^13, phpBB 2^11).
 */
export const DEFAULT_PASSWORD_LIMITS: PasswordLimits = {
  maxBcryptCost: 14,
  maxShaCryptRounds: 400_000,
  maxPhpassLog2: 16,
  // 2^18 SHA-512 rounds ~0.4 s (Drupal 7 writes 2^15).
  maxDrupalLog2: 18,
  // 256 MiB × 4 passes ~0.9 s; argon2-cffi's default is 64 MiB × 3, OWASP's 19 MiB × 2.
  maxArgon2MemoryKiB: 262_144,
  maxArgon2Passes: 32,
  maxArgon2Parallelism: 16,
  maxArgon2MemoryPasses: 1_048_576,
  // N=2^17, r=8 is 128 MiB and ~0.4 s; N·r·p 2^21 ~0.6–0.8 s (Firebase writes 2^14·8·1).
  maxScryptMemoryBytes: 256 * 1024 * 1024,
  maxScryptWork: 2 ** 21,
  // ~0.8 s, ~0.6 s, ~0.7 s; Django writes 1,000,000 SHA-256, Keycloak 210,000 SHA-512.
  maxPbkdf2Sha1Work: 4_000_000,
  maxPbkdf2Sha256Work: 3_000_000,
  maxPbkdf2Sha512Work: 1_500_000,
};

/**
 * Longest password verified, in UTF-8 bytes (WordPress 6.8 refuses longer ones
 * too). Longer inputs fail verification without hashing, bounding per-attempt work.
 */
export const MAX_PASSWORD_BYTES = 4096;

/** What a method-family parser returns: ok, or a rejection without hash/salt. */
export type FamilyCheck = { readonly ok: true } | { readonly ok: false; readonly code: PasswordRejectionCode; readonly reason: string };

export const FAMILY_OK: FamilyCheck = { ok: true };

export function reject(code: PasswordRejectionCode, reason: string): FamilyCheck {
  return { ok: false, code, reason };
}
