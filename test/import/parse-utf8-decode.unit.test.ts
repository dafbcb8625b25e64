import { describe, expect, it } from 'vitest';
import { decodeUtf8 } from '../../src/commands/import/parse/utf8';
import { prng } from './parse-helpers';

// Pieces the folding must tell apart: ASCII, U+0080-U+00FF (folded), other scripts, and broken sequences.
const PIECES = ['a', 'Zoë', ',', '\n', '"', 'é', '\u00a0', '\u0080', 'ÿ', 'ł', '€', '日本', '😀', '\u00c3', '\ufffd'].map((s) => Buffer.from(s, 'utf8'));
const BROKEN = [[0xc3], [0xc2, 0x41], [0xc3, 0xc3, 0xa9], [0xa9], [0xc3, 0xc0], [0xe2, 0x82], [0xff], [0xc0, 0x80], [0xc1, 0xbf]].map((b) => Buffer.from(b));

describe('decodeUtf8', () => {
  it("gives toString('utf8') for any bytes, valid UTF-8 or not, and any range", () => {
    const r = prng(5);
    const wrong: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const parts: Buffer[] = [];
      const n = Math.floor(r() * 40);
      const broken = r() < 0.3;
      for (let k = 0; k < n; k++) parts.push(broken && r() < 0.1 ? BROKEN[Math.floor(r() * BROKEN.length)]! : PIECES[Math.floor(r() * PIECES.length)]!);
      const buf = Buffer.concat(parts);
      const start = r() < 0.5 ? 0 : Math.floor(r() * buf.length);
      const end = r() < 0.5 ? buf.length : start + Math.floor(r() * (buf.length - start + 1));
      if (decodeUtf8(buf, start, end) !== buf.toString('utf8', start, end)) wrong.push(`${buf.toString('hex')} ${start} ${end}`);
    }
    expect(wrong).toEqual([]);
  });

  it('decodes long mixed text the same, in both paths', () => {
    const latin = Buffer.from('José Müller,zoë@example.com,Ångström\n'.repeat(5000), 'utf8');
    const other = Buffer.from('José Müller,Łukasz,zoë@example.com\n'.repeat(5000), 'utf8');
    for (const buf of [latin, other]) expect(decodeUtf8(buf, 0, buf.length)).toBe(buf.toString('utf8'));
    expect(decodeUtf8(latin, 3, latin.length - 7)).toBe(latin.toString('utf8', 3, latin.length - 7));
  });
});
