import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD_LIMITS, parseStoredPassword, verifyPasswordSync, type StoredPasswordInput } from '../../src/passwords';

/**
 * Rules of the families beyond Kinde's five that the tool-made vectors
 * (vectors.unit.test.ts) do not show by themselves: which salts and params
 * are kept, refused or normalised, and that stored hashes are re-checked
 * against the bounds before every verification.
 */
const FIREBASE: StoredPasswordInput = {
  hashed_password: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
  hashing_method: 'firebase_scrypt',
  salt: '42xEC+ixf3L2lw==',
  params: {
    signer_key: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
    salt_separator: 'Bw==',
    rounds: '8',
    mem_cost: ' 14',
    project_id: 'ignored',
  },
};
// passlib: scrypt.using(rounds=10).hash('password')
const SCRYPT_PHC = '$scrypt$ln=10,r=8,p=1$bS0F4Fxr7T0HAKCUshYi5A$p8TlbcqfJaotdvEbifiooI612F19W/E4xe1TsYUWbBM';
// argon2-cffi: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash('pw')
const ARGON2 = '$argon2id$v=19$m=1024,t=1,p=1$sqmyGoHLC8UTUTE40UH6Qg$Uf8laG+jwlwA0/ipBi7I1Q';

describe('firebase_scrypt', () => {
  it('keeps the salt and the four project parameters, numbers as numbers, unknown keys dropped', () => {
    const parsed = parseStoredPassword(FIREBASE);
    expect(parsed).toEqual({
      ok: true,
      password: {
        method: 'firebase_scrypt',
        hash: FIREBASE.hashed_password,
        salt: FIREBASE.salt,
        params: { mem_cost: 14, rounds: 8, salt_separator: 'Bw==', signer_key: FIREBASE.params!['signer_key'] },
      },
    });
    if (parsed.ok) expect(verifyPasswordSync(parsed.password, 'user1password')).toBe(true);
  });

  it.each([
    ['without a salt', { salt: null }],
    ['with a signer key that is not base64', { params: { ...FIREBASE.params, signer_key: 'not base64!' } }],
    ['with a non-numeric mem_cost', { params: { ...FIREBASE.params, mem_cost: 'fourteen' } }],
  ])('is refused %s, and the reason quotes neither hash nor key', (_name, change) => {
    const parsed = parseStoredPassword({ ...FIREBASE, ...change });
    expect(parsed).toMatchObject({ ok: false, code: 'HASH_MALFORMED' });
    if (!parsed.ok) {
      expect(parsed.reason).not.toContain(FIREBASE.hashed_password!.slice(0, 12));
      expect(parsed.reason).not.toContain(String(FIREBASE.params!['signer_key']).slice(0, 12));
    }
  });
});

describe('self-salted families refuse a separate salt rather than ignore it', () => {
  it.each([
    ['scrypt PHC', SCRYPT_PHC, 'scrypt'],
    ['argon2', ARGON2, 'argon2'],
    ['ldap', '{SSHA}5PE7kjfgHqrPE4ymu+HpRsaka7Pmbisc', 'ldap'],
  ])('%s', (_name, hash, method) => {
    expect(parseStoredPassword({ hashed_password: hash, hashing_method: method, salt: 'c2FsdA' })).toMatchObject({ ok: false, code: 'SALT_NOT_ALLOWED' });
    expect(parseStoredPassword({ hashed_password: hash, hashing_method: method })).toMatchObject({ ok: true, password: { method, hash } });
  });

  it('params given with a self-describing hash are not stored', () => {
    const parsed = parseStoredPassword({ hashed_password: SCRYPT_PHC, hashing_method: 'scrypt', params: { n: 2 } });
    expect(parsed).toEqual({ ok: true, password: { method: 'scrypt', hash: SCRYPT_PHC } });
  });
});

describe('stored hashes are re-checked against the bounds before verification', () => {
  it('an argon2 hash that verifies is refused once the memory bound is below it', () => {
    const stored = { method: 'argon2' as const, hash: ARGON2 };
    expect(verifyPasswordSync(stored, 'pw')).toBe(true);
    expect(verifyPasswordSync(stored, 'pw', { ...DEFAULT_PASSWORD_LIMITS, maxArgon2MemoryKiB: 512 })).toBe(false);
  });

  it('a scrypt hash that verifies is refused once the work bound is below it', () => {
    const stored = { method: 'scrypt' as const, hash: SCRYPT_PHC };
    expect(verifyPasswordSync(stored, 'password')).toBe(true);
    expect(verifyPasswordSync(stored, 'password', { ...DEFAULT_PASSWORD_LIMITS, maxScryptWork: 1024 })).toBe(false);
  });

  it('PBKDF2 work counts key blocks: a 64-byte SHA-256 key at 1,600,000 iterations is 3,200,000 > 3,000,000', () => {
    const key = Buffer.alloc(64, 1).toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
    const salt = Buffer.alloc(16, 2).toString('base64').replace(/=+$/, '');
    expect(parseStoredPassword({ hashed_password: `$pbkdf2-sha256$1600000$${salt}$${key}`, hashing_method: 'pbkdf2' })).toMatchObject({ ok: false, code: 'WORK_FACTOR_OUT_OF_BOUNDS' });
    const shortKey = Buffer.alloc(32, 1).toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
    expect(parseStoredPassword({ hashed_password: `$pbkdf2-sha256$1600000$${salt}$${shortKey}`, hashing_method: 'pbkdf2' })).toMatchObject({ ok: true });
  });
});

describe('malformed base64 is refused, not decoded to other bytes', () => {
  it.each([
    ['an LDAP digest with a stray character', { hashed_password: '{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g*', hashing_method: 'ldap' }],
    ['a separate-field scrypt key that is not base64', { hashed_password: 'not base64!', hashing_method: 'scrypt', salt: 'TmFDbA==', params: { n: 1024, r: 8, p: 1 } }],
    ['an argon2 salt of 4 bytes', { hashed_password: '$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$Uf8laG+jwlwA0/ipBi7I1Q', hashing_method: 'argon2' }],
  ])('%s', (_name, input) => {
    expect(parseStoredPassword(input as StoredPasswordInput)).toMatchObject({ ok: false, code: 'HASH_MALFORMED' });
  });
});
