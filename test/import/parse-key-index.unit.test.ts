import { describe, expect, it } from 'vitest';
import { KeyIndex, hash64, hash64Key, sameHash } from '../../src/commands/import/parse/key-index';

describe('KeyIndex (DUPLICATE_IN_FILE memory)', () => {
  it('keeps the first owner of every key through growth', () => {
    const index = new KeyIndex(16);
    const n = 200_000;
    for (let i = 0; i < n; i++) index.claim(hash64(`email:user${i}@example.com`), hash64(`id:${i}`));
    for (let i = 0; i < n; i++) index.claim(hash64(`email:user${i}@example.com`), hash64('id:someone-else'));
    expect(index.size).toBe(n);
    for (let i = 0; i < n; i += 997) {
      expect(sameHash(index.get(hash64(`email:user${i}@example.com`))!, hash64(`id:${i}`))).toBe(true);
    }
    expect(index.get(hash64('email:nobody@example.com'))).toBeUndefined();
  });

  it('holds the keys of a 1M-row file (3 keys a row) in well under 200 MB', () => {
    const index = new KeyIndex();
    for (let i = 0; i < 3_000_000; i++) index.claim(hash64(`k:${i}`), hash64(`o:${i % 1_000_000}`));
    expect(index.size).toBe(3_000_000); // no 64-bit collision among 3M keys
    expect(index.bytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    // A growth holds one shard's old arrays beside its new ones, never a second copy of the whole table.
    expect(index.peakBytes).toBeLessThanOrEqual(index.bytes * 1.1);
  });

  it('looks keys up through slot handles in every shard', () => {
    const index = new KeyIndex(16);
    const keys = Array.from({ length: 5_000 }, (_, i) => hash64(`username:u${i}`));
    keys.forEach((k, i) => index.claim(k, hash64(`id:${i}`)));
    keys.forEach((k, i) => {
      const at = index.slotOf(k);
      expect(at).toBeGreaterThanOrEqual(0);
      expect([index.ownerHi(at), index.ownerLo(at)]).toEqual(hash64(`id:${i}`));
    });
    expect(index.slotOf(hash64('username:nobody'))).toBe(-1);
  });

  it('hash64 spreads similar keys (no collisions among 1M near-identical strings)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1_000_000; i++) {
      const [a, b] = hash64(`user${i}@example.com`);
      seen.add(`${a}:${b}`);
    }
    expect(seen.size).toBe(1_000_000);
  });

  it('hash64Key(type, value) is hash64 of "type:value"', () => {
    for (const [type, value] of [
      ['id', 'u1'],
      ['email', 'ann@example.com'],
      ['oauth2:google', '1234'],
      ['', ''],
      ['phone', '+14155550123'],
      ['username', 'ünï😀'],
    ]) {
      expect(hash64Key(type!, value!)).toEqual(hash64(`${type}:${value}`));
    }
  });
});
