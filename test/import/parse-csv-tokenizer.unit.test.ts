import { describe, expect, it } from 'vitest';
import { CsvTokenizer, type CsvToken } from '../../src/commands/import/parse/csv-tokenizer';
import { prng } from './parse-helpers';

function tokenize(input: Buffer, cuts: number[], cap: number): CsvToken[] {
  const t = new CsvTokenizer(cap);
  const out: CsvToken[] = [];
  let from = 0;
  for (const c of [...cuts, input.length]) {
    out.push(...t.push(input.subarray(from, c)));
    from = c;
  }
  out.push(...t.end());
  return out;
}

describe('CsvTokenizer', () => {
  it('gives the same tokens however the bytes are cut into chunks (inside UTF-8 sequences too)', () => {
    const r = prng(7);
    const pieces = ['a', 'bc', ',', ',', '"', '"', '""', '\n', '\r', '\r\n', 'é', '日', '😀', ' '];
    for (let i = 0; i < 3000; i++) {
      let s = '';
      for (let k = Math.floor(r() * 120); k > 0; k--) s += pieces[Math.floor(r() * pieces.length)]!;
      const input = Buffer.from(s, 'utf8');
      // (With a record over the cap, where the cap is noticed depends on the chunks: not checked here.)
      const cap = 1 << 20;
      const whole = tokenize(input, [], cap);
      const cuts = Array.from({ length: Math.floor(r() * 8) }, () => Math.floor(r() * input.length)).sort((a, b) => a - b);
      expect(tokenize(input, cuts, cap)).toEqual(whole);
    }
  });

  it('cuts quoted and unquoted fields, counts physical lines, and reports bad quoting and too-large records', () => {
    const input = Buffer.from('a,"b,c","d\n""e"""\r\nx"y,z\n\n"q"r,s\n' + 'L'.repeat(40) + '\nlast,"open', 'utf8');
    expect(tokenize(input, [5, 17], 30)).toEqual([
      { kind: 'record', line: 1, fields: ['a', 'b,c', 'd\n"e"'] },
      { kind: 'record', line: 3, fields: ['x"y', 'z'] },
      { kind: 'malformed', line: 5, text: '"q"r,s', reason: 'a quoted field must be followed by a comma or the end of the line' },
      { kind: 'too_large', line: 6, text: '' },
      { kind: 'malformed', line: 7, text: 'last,"open', reason: 'a quoted field is not closed before the end of the file' },
    ]);
  });
});
