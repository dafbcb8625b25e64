import { parsePhoneNumberFromString } from 'libphonenumber-js';
import metadata from 'libphonenumber-js/min/metadata';
import { describe, expect, it } from 'vitest';
import { checkPhone } from '../../src/commands/import/parse/fields';
import { fastPhone } from '../../src/commands/import/parse/phone-fast';
import { prng } from './parse-helpers';

// checkPhone as it was before the shortcut: libphonenumber alone.
const E164_RE = /^\+[1-9]\d{6,14}$/;
function libraryAnswer(value: string): string | null {
  const parsed = parsePhoneNumberFromString(value.trim());
  return parsed && parsed.isPossible() && E164_RE.test(parsed.number) ? parsed.number : null;
}

describe('checkPhone shortcut (phone-fast.ts)', () => {
  it("gives libphonenumber's answer for random +digits numbers of every calling code", () => {
    const codes = Object.keys((metadata as unknown as { country_calling_codes: object }).country_calling_codes);
    const r = prng(20261201);
    let shortcut = 0;
    const mismatches: string[] = [];
    for (let i = 0; i < 60_000; i++) {
      // Known calling codes, and now and then any 1-3 digits (unknown or shorter codes).
      const code = i % 9 === 0 ? String(Math.floor(r() * 1000)) : codes[i % codes.length]!;
      let digits = '';
      const length = Math.floor(r() * 18);
      for (let k = 0; k < length; k++) digits += String(Math.floor(r() * 10));
      // Now and then with spaces or hyphens between digits, where the shortcut applies too.
      const value = i % 5 === 0 ? `+${code} ${digits.slice(0, 3)}-${digits.slice(3, 6)}  ${digits.slice(6)}`.trim() : `+${code}${digits}`;
      if (fastPhone(value) !== undefined) shortcut++;
      const got = checkPhone(value);
      const want = libraryAnswer(value);
      if ((got.ok ? got.value : null) !== want) mismatches.push(value);
    }
    expect(mismatches).toEqual([]);
    expect(shortcut).toBeGreaterThan(30_000); // the shortcut is really taken
  });

  it('takes spaces and hyphens between digits; leaves other formatting, national prefixes and ambiguous lengths to libphonenumber', () => {
    expect(fastPhone('+1 415 555 0123')).toBe('+14155550123');
    expect(fastPhone('+1 (415) 555 0123')).toBeUndefined();
    expect(fastPhone('+1 415 555 0123 ext. 12')).toBeUndefined();
    expect(fastPhone('+14155550123')).toBe('+14155550123');
    expect(fastPhone('+1 555 37')).toBeNull();
    expect(fastPhone('+11155550123')).toBeUndefined(); // US national prefix "1"
    expect(fastPhone('+15550123')).toBeUndefined(); // 7 digits: possible in CA only
    expect(fastPhone('+0123456789')).toBeUndefined();
    for (const v of ['+1 415 555 0123', '+1 (415) 555-0123', '+1 555 37', '+1-415-555-0123-', '+61412345678', '+6155511555', '+447911123456', '+4479111234', '+8008001234', '+12345']) {
      const got = checkPhone(v);
      expect([v, got.ok ? got.value : null]).toEqual([v, libraryAnswer(v)]);
    }
  });
});
