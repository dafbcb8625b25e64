import { describe, expect, it } from 'vitest';
import { PasswordMethodSchema } from '../../src/domain/user/events';
import { detectHashingMethod, HASHING_METHODS } from '../../src/passwords';

describe('detectHashingMethod', () => {
  it.each([
    ['$2b$12$C6UzMDM.H6dfI/f/IKcEeO5Cx0bV1wBvEwK1uX9YpXf0w7N1gmbW6', 'bcrypt'],
    ['$2y$04$abc', 'bcrypt'],
    ['$2a$04$abc', 'bcrypt'],
    ['$1$saltsalt$abc', 'crypt'],
    ['$5$rounds=5000$salt$abc', 'crypt'],
    ['$6$salt$abc', 'crypt'],
    ['$P$BwPsalt12abc', 'wordpress'],
    ['$H$9phpBBsltabc', 'wordpress'],
    ['$wp$2y$10$abc', 'wordpress'],
    ['$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', 'argon2'],
    ['$argon2i$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', 'argon2'],
    ['$argon2d$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', 'argon2'],
    ['$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA', 'scrypt'],
    ['pbkdf2_sha256$600000$salt$hash=', 'pbkdf2'],
    ['pbkdf2_sha1$260000$salt$hash=', 'pbkdf2'],
    ['$pbkdf2-sha256$29000$c2FsdA$aGFzaA', 'pbkdf2'],
    ['$pbkdf2$131000$c2FsdA$aGFzaA', 'pbkdf2'],
    ['$pbkdf2-sha512$25000$c2FsdA$aGFzaA', 'pbkdf2'],
    ['{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', 'ldap'],
    ['{SSHA}abc', 'ldap'],
    ['{ssha256}abc', 'ldap'],
    ['{SSHA512}abc', 'ldap'],
    ['{MD5}abc', 'ldap'],
    ['{SMD5}abc', 'ldap'],
    ['{CRYPT}$6$salt$abc', 'ldap'],
    ['bcrypt_sha256$$2b$12$abc', 'bcrypt_sha256'],
    ['$apr1$salt$abc', 'apr1'],
    ['$S$DsaltsaltXYZ', 'drupal7'],
    ['$bcrypt-hmac-sha384$2b$12$abc', 'bcrypt_hmac_sha384'],
    ['argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA', 'argon2'],
    ['scrypt$salt$16384$8$1$aGFzaA==', 'scrypt'],
    ['$bcrypt-sha256$v=2,t=2b,r=12$n79VH.0Q2TMWmt3Oqt9uku$Kq4Noyk3094Y2QlB8NdRT8SvGiI4ft2', 'bcrypt_sha256'],
  ])('%s is %s', (hash, method) => {
    expect(detectHashingMethod(hash)).toBe(method);
  });

  it.each([
    ['a bare md5/sha hex digest is ambiguous', '5f4dcc3b5aa765d61d8327deb882cf99'],
    ['a DES crypt is just 13 characters', 'XyWd6o3J0gvKo'],
    ['a base64 digest (Firebase, scrypt fields) names nothing', 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ=='],
    ['an unknown LDAP scheme', '{SHA384}abc'],
    ['an unknown $ scheme', '$7$abc'],
    ['empty', ''],
    ['null', null],
  ])('%s: null', (_name, hash) => {
    expect(detectHashingMethod(hash)).toBeNull();
  });
});

describe('HASHING_METHODS', () => {
  it('every method can be stored in an event (the domain schema accepts the same list)', () => {
    for (const method of HASHING_METHODS) expect(PasswordMethodSchema.safeParse(method).success).toBe(true);
  });
});
