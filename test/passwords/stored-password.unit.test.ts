import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createDummyPassword,
  DEFAULT_PASSWORD_LIMITS,
  hashPassword,
  MAX_PASSWORD_BYTES,
  needsUpgrade,
  parseStoredPassword,
  type StoredPassword,
  verifyPassword,
  verifyPasswordSync,
  type StoredPasswordInput,
} from '../../src/passwords';

// Real hashes from the fixtures (see test/fixtures/passwords/generate.sh).
const BCRYPT_2Y = '$2y$05$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu'; // "password"
const SHA512_ROUNDS = '$6$rounds=10000$abcdefgh$kF57o18Xuu8qWSW2h0YBILpIeW/KEpcSse9BHaTTStgl9j7nCGzty1xRBjmP7wDA01Idc.ivBCoIRvlUbkXmQ/';
const SHA256 = '$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.';
const DES = 'abJnggxhB/yWI';
const MD5_HEX = '5f4dcc3b5aa765d61d8327deb882cf99'; // md5("password")
const SHA256_HEX = '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8';

type Case = readonly [name: string, input: StoredPasswordInput, code: string];

/**
 * Kinde: "We will let you know if ... the hashing algorithm is not supported,
 * or related columns are incorrect. User's whose passwords cannot be imported
 * will be prompted to reset their password" — these rows are not stored.
 */
const REJECTED: readonly Case[] = [
  ['no method', { hashed_password: MD5_HEX, hashing_method: null }, 'HASHING_METHOD_UNSUPPORTED'],
  ['unknown method', { hashed_password: MD5_HEX, hashing_method: 'yescrypt' }, 'HASHING_METHOD_UNSUPPORTED'],
  ['no hash', { hashed_password: '', hashing_method: 'md5' }, 'HASH_MISSING'],
  ['plain text as md5', { hashed_password: 'password', hashing_method: 'md5' }, 'HASH_MALFORMED'],
  ['md5 of 31 hex', { hashed_password: MD5_HEX.slice(1), hashing_method: 'md5' }, 'HASH_MALFORMED'],
  ['sha256 given an md5 digest', { hashed_password: MD5_HEX, hashing_method: 'sha256' }, 'HASH_MALFORMED'],
  ['sha256 with a non-hex char', { hashed_password: SHA256_HEX.slice(1) + 'g', hashing_method: 'sha256' }, 'HASH_MALFORMED'],
  ['bcrypt truncated', { hashed_password: BCRYPT_2Y.slice(0, -1), hashing_method: 'bcrypt' }, 'HASH_MALFORMED'],
  ['bcrypt $2x$', { hashed_password: BCRYPT_2Y.replace('$2y$', '$2x$'), hashing_method: 'bcrypt' }, 'HASH_MALFORMED'],
  ['bcrypt cost 03', { hashed_password: BCRYPT_2Y.replace('$05$', '$03$'), hashing_method: 'bcrypt' }, 'HASH_MALFORMED'],
  ['bcrypt cost 32', { hashed_password: BCRYPT_2Y.replace('$05$', '$32$'), hashing_method: 'bcrypt' }, 'HASH_MALFORMED'],
  ['bcrypt cost 31 is bcrypt but above the bound', { hashed_password: BCRYPT_2Y.replace('$05$', '$31$'), hashing_method: 'bcrypt' }, 'WORK_FACTOR_OUT_OF_BOUNDS'],
  ['bcrypt given a sha-crypt hash', { hashed_password: SHA256, hashing_method: 'bcrypt' }, 'HASH_MALFORMED'],
  ['crypt rounds 999 (glibc never writes it)', { hashed_password: SHA512_ROUNDS.replace('rounds=10000', 'rounds=999'), hashing_method: 'crypt' }, 'HASH_MALFORMED'],
  ['crypt rounds above the bound', { hashed_password: SHA512_ROUNDS.replace('rounds=10000', 'rounds=999999999'), hashing_method: 'crypt' }, 'WORK_FACTOR_OUT_OF_BOUNDS'],
  ['crypt $6$ with a $5$-length digest', { hashed_password: SHA256.replace('$5$', '$6$'), hashing_method: 'crypt' }, 'HASH_MALFORMED'],
  ['crypt salt over 16 chars', { hashed_password: SHA256.replace('saltsalt', 'saltsaltsaltsalt1'), hashing_method: 'crypt' }, 'HASH_MALFORMED'],
  ['crypt DES of 12 chars', { hashed_password: DES.slice(1), hashing_method: 'crypt' }, 'HASH_MALFORMED'],
  ['crypt extended DES', { hashed_password: '_J9..CCCCXBrJUJV154M', hashing_method: 'crypt' }, 'HASH_MALFORMED'],
  ['crypt md5 hex digest', { hashed_password: MD5_HEX, hashing_method: 'crypt' }, 'HASH_MALFORMED'],
  ['wordpress phpass of 33 chars', { hashed_password: '$P$BwPsalt12' + 'a'.repeat(21), hashing_method: 'wordpress' }, 'HASH_MALFORMED'],
  ['wordpress phpass exponent 6', { hashed_password: '$P$4wPsalt12' + 'a'.repeat(22), hashing_method: 'wordpress' }, 'HASH_MALFORMED'],
  ['wordpress phpass exponent 30 above the bound', { hashed_password: '$P$SwPsalt12' + 'a'.repeat(22), hashing_method: 'wordpress' }, 'WORK_FACTOR_OUT_OF_BOUNDS'],
  ['wordpress $wp$ with a broken bcrypt', { hashed_password: '$wp' + BCRYPT_2Y.slice(0, -2), hashing_method: 'wordpress' }, 'HASH_MALFORMED'],
  ['wordpress $wp$ cost above the bound', { hashed_password: '$wp' + BCRYPT_2Y.replace('$05$', '$20$'), hashing_method: 'wordpress' }, 'WORK_FACTOR_OUT_OF_BOUNDS'],
  // Kinde's table: md5 and sha256 "salt optional, salt position required if salt included"
  ['md5 salt without position', { hashed_password: MD5_HEX, hashing_method: 'md5', salt: 'abc' }, 'SALT_POSITION_REQUIRED'],
  ['sha256 salt without position', { hashed_password: SHA256_HEX, hashing_method: 'sha256', salt: 'abc' }, 'SALT_POSITION_REQUIRED'],
  ['salt position middle', { hashed_password: MD5_HEX, hashing_method: 'md5', salt: 'abc', salt_position: 'middle' }, 'SALT_INVALID'],
  ['salt format base64', { hashed_password: MD5_HEX, hashing_method: 'md5', salt: 'abc', salt_position: 'prefix', salt_format: 'base64' }, 'SALT_INVALID'],
  ['hex salt of odd length', { hashed_password: MD5_HEX, hashing_method: 'md5', salt: 'abc', salt_position: 'prefix', salt_format: 'hex' }, 'SALT_INVALID'],
  ['hex salt with non-hex', { hashed_password: MD5_HEX, hashing_method: 'md5', salt: 'zz', salt_position: 'prefix', salt_format: 'hex' }, 'SALT_INVALID'],
  ['bcrypt with a salt of its own', { hashed_password: BCRYPT_2Y, hashing_method: 'bcrypt', salt: 'pepper' }, 'SALT_NOT_ALLOWED'],
  ['crypt with a different salt', { hashed_password: SHA256, hashing_method: 'crypt', salt: 'other' }, 'SALT_NOT_ALLOWED'],
  ['overlong hash', { hashed_password: 'a'.repeat(10_000), hashing_method: 'md5' }, 'HASH_MALFORMED'],
];

describe('parseStoredPassword rejects what does not fit its method', () => {
  it.each(REJECTED)('%s -> %s', (_name, input, code) => {
    const parsed = parseStoredPassword(input);
    expect(parsed).toMatchObject({ ok: false, code });
  });

  it.each(REJECTED)('%s: the reason quotes neither hash nor salt', (_name, input) => {
    const parsed = parseStoredPassword(input);
    if (parsed.ok) throw new Error('expected a rejection');
    if (input.hashed_password) expect(parsed.reason).not.toContain(input.hashed_password.slice(0, 20));
    if (input.salt) expect(parsed.reason).not.toContain(input.salt);
  });
});

describe('parseStoredPassword accepts and normalises', () => {
  it('method names case-insensitively ("SHA256" in Kinde\'s docs)', () => {
    expect(parseStoredPassword({ hashed_password: SHA256_HEX, hashing_method: 'SHA256' })).toEqual({
      ok: true,
      password: { method: 'sha256', hash: SHA256_HEX },
    });
  });

  it('uppercase hex digests, stored lowercase', () => {
    expect(parseStoredPassword({ hashed_password: MD5_HEX.toUpperCase(), hashing_method: 'md5' })).toEqual({
      ok: true,
      password: { method: 'md5', hash: MD5_HEX },
    });
  });

  it('a salt with salt_format defaulting to string', () => {
    expect(parseStoredPassword({ hashed_password: MD5_HEX, hashing_method: 'md5', salt: 'a\\n', salt_position: 'PREFIX', salt_format: null })).toEqual({
      ok: true,
      password: { method: 'md5', hash: MD5_HEX, salt: 'a\\n', salt_position: 'prefix', salt_format: 'string' },
    });
  });

  it('null and empty salt columns as "no salt" (CSV and NDJSON)', () => {
    for (const salt of [null, '', undefined]) {
      expect(parseStoredPassword({ hashed_password: MD5_HEX, hashing_method: 'md5', salt, salt_position: null, salt_format: null })).toEqual({
        ok: true,
        password: { method: 'md5', hash: MD5_HEX },
      });
    }
  });

  it('a crypt salt equal to the one in the hash, dropping it', () => {
    expect(parseStoredPassword({ hashed_password: SHA256, hashing_method: 'crypt', salt: 'saltsalt' })).toEqual({
      ok: true,
      password: { method: 'crypt', hash: SHA256 },
    });
  });

  it('higher work factors when the limits are raised', () => {
    const cost15 = BCRYPT_2Y.replace('$05$', '$15$');
    expect(parseStoredPassword({ hashed_password: cost15, hashing_method: 'bcrypt' }).ok).toBe(false);
    expect(parseStoredPassword({ hashed_password: cost15, hashing_method: 'bcrypt' }, { ...DEFAULT_PASSWORD_LIMITS, maxBcryptCost: 15 }).ok).toBe(true);
  });
});

describe('verifyPassword', () => {
  it('verifies and refuses (promise form)', async () => {
    const stored = { method: 'crypt', hash: DES } as const;
    expect(await verifyPassword(stored, 'password')).toBe(true);
    expect(await verifyPassword(stored, 'passwor')).toBe(false);
  });

  it('refuses a stored value that no longer passes the limits, without hashing', () => {
    const stored = { method: 'crypt', hash: SHA512_ROUNDS } as const;
    expect(verifyPasswordSync(stored, 'password')).toBe(true);
    expect(verifyPasswordSync(stored, 'password', { ...DEFAULT_PASSWORD_LIMITS, maxShaCryptRounds: 5000 })).toBe(false);
  });

  it(`refuses passwords longer than ${MAX_PASSWORD_BYTES} bytes`, () => {
    const long = 'é'.repeat(MAX_PASSWORD_BYTES / 2 + 1);
    expect(verifyPasswordSync({ method: 'md5', hash: md5Hex(long) }, long)).toBe(false);
    const fits = 'é'.repeat(MAX_PASSWORD_BYTES / 2);
    expect(verifyPasswordSync({ method: 'md5', hash: md5Hex(fits) }, fits)).toBe(true);
  });

  it('refuses malformed stored data instead of throwing', () => {
    expect(verifyPasswordSync({ method: 'bcrypt', hash: 'nonsense' }, 'password')).toBe(false);
    expect(verifyPasswordSync({ method: 'nope' as 'md5', hash: MD5_HEX }, 'password')).toBe(false);
  });
});

describe('hashPassword, needsUpgrade and the dummy hash', () => {
  it('hashPassword makes a bcrypt_hmac_sha384 (bcrypt over a pre-hash) at the cost asked that verifies', () => {
    const stored = hashPassword('pässwörd', 5);
    expect(stored.method).toBe('bcrypt_hmac_sha384');
    expect(stored.hash).toMatch(/^\$bcrypt-hmac-sha384\$2b\$05\$[./A-Za-z0-9]{53}$/);
    expect(verifyPasswordSync(stored, 'pässwörd')).toBe(true);
    expect(verifyPasswordSync(stored, 'passwörd')).toBe(false);
    expect(() => hashPassword('x', 3)).toThrow(RangeError);
  });

  const UPGRADE: readonly (readonly [string, StoredPassword, boolean])[] = [
    ['bcrypt below the configured cost', { method: 'bcrypt', hash: BCRYPT_2Y }, true],
    // Plain bcrypt reads 72 bytes: at the same cost, bcrypt over the pre-hash is as costly and reads everything.
    ['bcrypt at the configured cost', { method: 'bcrypt', hash: BCRYPT_2Y.replace('$05$', '$12$') }, true],
    ['bcrypt above the configured cost (never downgraded)', { method: 'bcrypt', hash: BCRYPT_2Y.replace('$05$', '$13$') }, false],
    ['bcrypt through crypt', { method: 'crypt', hash: BCRYPT_2Y.replace('$05$', '$12$') }, true],
    ['bcrypt through crypt above the cost', { method: 'crypt', hash: BCRYPT_2Y.replace('$05$', '$13$') }, false],
    ['sha-crypt', { method: 'crypt', hash: SHA256 }, true],
    ['md5', { method: 'md5', hash: MD5_HEX }, true],
    ['sha256', { method: 'sha256', hash: SHA256_HEX }, true],
    ['WordPress $wp$ bcrypt', { method: 'wordpress', hash: '$wp' + BCRYPT_2Y.replace('$05$', '$12$') }, true],
    ['WordPress $wp$ bcrypt above the cost', { method: 'wordpress', hash: '$wp' + BCRYPT_2Y.replace('$05$', '$13$') }, false],
    ['bcrypt_hmac_sha384 at the configured cost', { method: 'bcrypt_hmac_sha384', hash: '$bcrypt-hmac-sha384' + BCRYPT_2Y.replace('$05$', '$12$') }, false],
    ['bcrypt_hmac_sha384 below the configured cost', { method: 'bcrypt_hmac_sha384', hash: '$bcrypt-hmac-sha384' + BCRYPT_2Y }, true],
    ['Django bcrypt_sha256 above the cost', { method: 'bcrypt_sha256', hash: 'bcrypt_sha256$' + BCRYPT_2Y.replace('$05$', '$13$') }, false],
    ['argon2id at OWASP minimum (19 MiB, t=2)', { method: 'argon2', hash: '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$eUJt6nAnUGC4tFmP9Fd+0dv+ZcfSMFrEfT1lS6UNmL8' }, false],
    ['argon2id below it', { method: 'argon2', hash: '$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$eUJt6nAnUGC4tFmP9Fd+0dv+ZcfSMFrEfT1lS6UNmL8' }, true],
    ['argon2i at 64 MiB, t=3', { method: 'argon2', hash: '$argon2i$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$eUJt6nAnUGC4tFmP9Fd+0dv+ZcfSMFrEfT1lS6UNmL8' }, false],
    ['argon2d below the minimum', { method: 'argon2', hash: '$argon2d$v=19$m=4096,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$eUJt6nAnUGC4tFmP9Fd+0dv+ZcfSMFrEfT1lS6UNmL8' }, true],
    ['scrypt N=2^17 r=8 p=1', { method: 'scrypt', hash: '$scrypt$ln=17,r=8,p=1$c29tZXNhbHQ$eUJt6nAnUGC4tFmP9Fd+0dv+ZcfSMFrEfT1lS6UNmL8' }, false],
    ['scrypt N=2^14 r=8 p=2 (more work than bcrypt 10)', { method: 'scrypt', hash: '$scrypt$ln=14,r=8,p=2$c29tZXNhbHQ$eUJt6nAnUGC4tFmP9Fd+0dv+ZcfSMFrEfT1lS6UNmL8' }, false],
    [
      "scrypt N=2^14 r=8 p=1 (Firebase's default; GPUs crack it faster than bcrypt 10)",
      { method: 'scrypt', hash: '$scrypt$ln=14,r=8,p=1$c29tZXNhbHQ$eUJt6nAnUGC4tFmP9Fd+0dv+ZcfSMFrEfT1lS6UNmL8' },
      true,
    ],
    ['LDAP {CRYPT} bcrypt above the cost (never downgraded)', { method: 'ldap', hash: '{CRYPT}' + BCRYPT_2Y.replace('$05$', '$13$') }, false],
    ['LDAP {CRYPT} sha-crypt', { method: 'ldap', hash: '{CRYPT}' + SHA256 }, true],
    ['PBKDF2-SHA256 600,000', { method: 'pbkdf2', hash: 'pbkdf2_sha256$600000$salt$eUJt6nAnUGC4tFmP9Fd+0dv+ZcfSMFrEfT1lS6UNmL8=' }, false],
    ['PBKDF2-SHA256 260,000', { method: 'pbkdf2', hash: 'pbkdf2_sha256$260000$salt$eUJt6nAnUGC4tFmP9Fd+0dv+ZcfSMFrEfT1lS6UNmL8=' }, true],
    ['LDAP {SSHA}', { method: 'ldap', hash: '{SSHA}5PE7kjfgHqrPE4ymu+HpRsaka7Pmbisc' }, true],
  ];
  it.each(UPGRADE)('needsUpgrade at cost 12: %s -> %s', (_name, stored, expected) => {
    expect(needsUpgrade(stored, 12)).toBe(expected);
  });

  it('the dummy hash is bcrypt_hmac_sha384 at the cost asked and matches nothing guessable', () => {
    const a = createDummyPassword(4);
    const b = createDummyPassword(4);
    expect(a.hash).toMatch(/^\$bcrypt-hmac-sha384\$2b\$04\$/);
    expect(a.hash).not.toBe(b.hash);
    for (const guess of ['', 'password', 'undefined', 'null']) expect(verifyPasswordSync(a, guess)).toBe(false);
  });
});

function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}
