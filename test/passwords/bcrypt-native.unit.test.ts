import { randomBytes } from 'node:crypto';
import bcryptjs from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { BCRYPT_IMPLEMENTATION, bcryptWithSetting, hashBcrypt, verifyBcrypt } from '../../src/passwords/bcrypt';

const PASSWORDS = ['', 'password', 'correct horse battery staple', 'ünïcødé-pässwörd-日本語-😀', 'a\u0000b', 'x'.repeat(71), 'x'.repeat(72), 'x'.repeat(73), 'é'.repeat(40), 'y'.repeat(300)];

describe('bcrypt: native with bcryptjs as the fallback', () => {
  it('uses the native module on this platform (linux x64 has a prebuilt binary)', () => {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      console.log(`bcrypt implementation on ${process.platform}/${process.arch}: ${BCRYPT_IMPLEMENTATION} (native is only asserted on linux/x64)`);
      return;
    }
    expect(BCRYPT_IMPLEMENTATION).toBe('native');
  });

  it('native and bcryptjs give the same string for every version, salt and password', () => {
    for (const version of ['2a', '2b', '2y']) {
      for (const password of PASSWORDS) {
        // Random salts, including non-canonical last characters, as other tools may write them.
        const salt = bcryptjs.encodeBase64(randomBytes(16), 16).slice(0, 21) + './Oe'.charAt(randomBytes(1)[0]! % 4);
        const setting = `$${version}$04$${salt}`;
        const fromJs = bcryptjs.hashSync(password, setting);
        expect(bcryptWithSetting(password, setting, 'native')).toBe(fromJs);
        expect(bcryptWithSetting(password, setting, 'bcryptjs')).toBe(fromJs);
      }
    }
  });

  it('verifies $2a$, $2b$ and $2y$ hashes made by bcryptjs, and rejects wrong passwords', () => {
    for (const version of ['2a', '2b', '2y']) {
      for (const password of PASSWORDS) {
        const hash = bcryptjs.hashSync(password, bcryptjs.genSaltSync(4).replace('$2b$', `$${version}$`));
        expect(verifyBcrypt(hash, password)).toBe(true);
        expect(verifyBcrypt(hash, `${password}!`)).toBe(Buffer.byteLength(password) >= 72); // bytes after the 72nd do not count
      }
    }
  });

  it('new hashes are $2b$ at the asked cost and bcryptjs verifies them', () => {
    const hash = hashBcrypt('s3cret-Pass', 5);
    expect(hash).toMatch(/^\$2b\$05\$[./A-Za-z0-9]{53}$/);
    expect(bcryptjs.compareSync('s3cret-Pass', hash)).toBe(true);
    expect(verifyBcrypt(hash, 's3cret-Pass')).toBe(true);
    expect(verifyBcrypt(hash, 's3cret-pass')).toBe(false);
  });
});
