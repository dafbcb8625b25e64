import { createHash } from 'node:crypto';

/**
 * MD5-crypt (`$1$`), Poul-Henning Kamp's FreeBSD algorithm as in glibc and
 * OpenSSL. Written here because the npm packages that provide it are either
 * unmaintained or bundle Apache's `$apr1$` variant under another name; it is
 * checked against `openssl passwd -1`, Python's crypt and PHP's crypt vectors.
 */
const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** `$1$` is MD5-crypt; Apache's `$apr1$` is the same algorithm with another magic string. */
export type Md5CryptMagic = '$1$' | '$apr1$';

function md5(...parts: Buffer[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

function to64(value: number, count: number): string {
  let out = '';
  for (let v = value; count > 0; count--, v >>>= 6) out += ITOA64.charAt(v & 0x3f);
  return out;
}

/** `salt` is the salt string between `$1$` and the next `$` (at most 8 characters are used). */
export function md5Crypt(password: Buffer, salt: string, magic: Md5CryptMagic = '$1$'): string {
  const MAGIC = Buffer.from(magic, 'latin1');
  const s = Buffer.from(salt, 'latin1').subarray(0, 8);
  const alternate = md5(password, s, password);

  const parts: Buffer[] = [password, MAGIC, s];
  for (let left = password.length; left > 0; left -= 16) {
    parts.push(alternate.subarray(0, Math.min(left, 16)));
  }
  for (let i = password.length; i > 0; i >>>= 1) {
    // The C original adds pw[0] (a NUL for an empty password) or a NUL byte.
    parts.push(i & 1 ? Buffer.from([0]) : password.subarray(0, 1));
  }
  let final = md5(...parts);

  for (let i = 0; i < 1000; i++) {
    const round: Buffer[] = [];
    round.push(i & 1 ? password : final);
    if (i % 3) round.push(s);
    if (i % 7) round.push(password);
    round.push(i & 1 ? final : password);
    final = md5(...round);
  }

  const f = (i: number): number => final[i] ?? 0;
  const encoded =
    to64((f(0) << 16) | (f(6) << 8) | f(12), 4) +
    to64((f(1) << 16) | (f(7) << 8) | f(13), 4) +
    to64((f(2) << 16) | (f(8) << 8) | f(14), 4) +
    to64((f(3) << 16) | (f(9) << 8) | f(15), 4) +
    to64((f(4) << 16) | (f(10) << 8) | f(5), 4) +
    to64(f(11), 2);
  return `${magic}${s.toString('latin1')}$${encoded}`;
}
