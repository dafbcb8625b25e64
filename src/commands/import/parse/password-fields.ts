import { detectHashingMethod } from '../../../passwords/detect';
import { HASHING_METHODS, type HashingMethod, type ImportPassword } from './types';

/** Password columns as they come from a file (any may be missing). Never log them. */
export interface RawPasswordFields {
  readonly hashedPassword?: string | null;
  readonly hashingMethod?: string | null;
  readonly salt?: string | null;
  readonly saltPosition?: string | null;
  readonly saltFormat?: string | null;
  /** Parameters not in the hash string (scrypt n/r/p/key_length, Firebase project keys). */
  readonly params?: Readonly<Record<string, string | number>> | null;
}

export type PasswordCheck =
  | { readonly kind: 'none' }
  | { readonly kind: 'ok'; readonly password: ImportPassword }
  /** The user is imported without a password (PASSWORD_NOT_IMPORTED); `reason` never contains the hash or salt. */
  | { readonly kind: 'not_imported'; readonly field: string; readonly reason: string };

/**
 * Checks that a hash fits its method (e.g. a bcrypt hash really is `$2a$…`). The
 * parser only checks structure; src/passwords knows the formats. THE HOOK: the
 * composition root passes src/passwords' checker as `ParseOptions.checkPasswordHash`;
 * it returns null when the hash is usable, else a reason without the hash in it.
 */
export type PasswordHashCheck = (password: ImportPassword) => string | null;

const METHODS: ReadonlySet<string> = new Set(HASHING_METHODS);
const SALTED_NEED_POSITION: ReadonlySet<HashingMethod> = new Set(['md5', 'sha256', 'sha1', 'sha512']);
const BASE64_SALTED: ReadonlySet<HashingMethod> = new Set(['scrypt', 'firebase_scrypt']);
const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * The docs' rules for password columns, made precise:
 * "Currently crypt, bcrypt, sha256, md5, and wordpress are supported";
 * md5 and sha256: salt "Optional", salt position "required if salt included";
 * salt_format: "hex" or string (the default, taken literally).
 * Anything structurally incomplete is PASSWORD_NOT_IMPORTED — the row still imports.
 */
export function checkPasswordFields(raw: RawPasswordFields, checkHash?: PasswordHashCheck): PasswordCheck {
  const hashed = raw.hashedPassword ?? '';
  let method = (raw.hashingMethod ?? '').trim().toLowerCase();
  const salt = raw.salt ?? '';
  const position = (raw.saltPosition ?? '').trim().toLowerCase();
  const format = (raw.saltFormat ?? '').trim().toLowerCase();
  if (hashed === '' && method === '' && salt === '' && position === '' && format === '') return { kind: 'none' };

  if (hashed === '') return notImported('hashed_password', 'password columns are filled in but hashed_password is empty');
  // A hash that names its own scheme ($argon2id$, {SSHA}, pbkdf2_sha256$…) needs no method column.
  if (method === '') method = detectHashingMethod(hashed.trim()) ?? '';
  if (method === '') return notImported('hashing_method', 'hashed_password is given without a hashing_method, and the hash does not name its scheme');
  if (!METHODS.has(method)) {
    return notImported('hashing_method', `hashing method "${clip(method)}" is not supported (use one of ${HASHING_METHODS.join(', ')})`);
  }
  const hashingMethod = method as HashingMethod;
  if (position !== '' && position !== 'prefix' && position !== 'suffix') {
    return notImported('salt_position', 'salt_position must be prefix or suffix');
  }
  if (format !== '' && format !== 'hex' && format !== 'string') {
    return notImported('salt_format', 'salt_format must be hex or string');
  }
  if (salt !== '' && SALTED_NEED_POSITION.has(hashingMethod) && position === '') {
    return notImported('salt_position', `a salt is given for ${hashingMethod} but salt_position (prefix or suffix) is missing`);
  }
  if (salt !== '' && format === 'hex' && !HEX_RE.test(salt)) {
    return notImported('salt', 'salt_format is hex but the salt is not hexadecimal');
  }
  // Built member by member (the members and their order of the spreads this replaces): it runs for every row.
  const password: { -readonly [K in keyof ImportPassword]: ImportPassword[K] } = { hashedPassword: hashed, hashingMethod };
  if (salt !== '') {
    password.salt = salt;
    if (position !== '') password.saltPosition = position;
    // scrypt / Firebase salts are base64 by definition: no salt_format for them.
    if (!BASE64_SALTED.has(hashingMethod)) password.saltFormat = format === 'hex' ? 'hex' : 'string';
  }
  if (raw.params && Object.keys(raw.params).length > 0) password.params = raw.params;
  const reason = checkHash?.(password) ?? null;
  if (reason !== null) return notImported('hashed_password', reason);
  return { kind: 'ok', password };
}

function notImported(field: string, reason: string): PasswordCheck {
  return { kind: 'not_imported', field, reason };
}

/** Method names come from the file: shown clipped, never a hash or salt. */
function clip(s: string): string {
  return s.length > 32 ? `${s.slice(0, 32)}…` : s;
}
