import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectHashingMethod, HASHING_METHODS, parseStoredPassword, verifyPasswordSync, type StoredPasswordInput } from '../../src/passwords';

/**
 * Table-driven over the vectors in test/fixtures/passwords, made by real tools
 * (openssl, Python crypt/hashlib, htpasswd, PHP) with generate.sh. Each
 * vector's `matches` is the generating tool's own verdict.
 */
interface Vector {
  readonly name: string;
  readonly tool: string;
  readonly input: StoredPasswordInput;
  readonly password: string;
  readonly matches: boolean;
}
interface Rejected {
  readonly name: string;
  readonly tool: string;
  readonly input: StoredPasswordInput;
  readonly code: string;
}
interface VectorFile {
  readonly method: string;
  readonly vectors: readonly Vector[];
  readonly rejected: readonly Rejected[];
}

// Every hashing method has a vector file (generate.sh for Kinde's five, generate-more.sh for the rest).
const METHODS = HASHING_METHODS;

function load(method: string): VectorFile {
  const url = new URL(`../fixtures/passwords/${method}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as VectorFile;
}

describe.each(METHODS)('%s vectors', (method) => {
  const file = load(method);

  it('has positive and negative vectors, unicode and long passwords', () => {
    expect(file.method).toBe(method);
    expect(file.vectors.some((v) => v.matches)).toBe(true);
    expect(file.vectors.some((v) => !v.matches)).toBe(true);
    expect(file.vectors.some((v) => v.matches && Array.from(v.password).some((c) => c.codePointAt(0)! > 0x7f))).toBe(true);
    expect(file.vectors.some((v) => v.matches && Buffer.byteLength(v.password) > 72)).toBe(true);
  });

  it('a wrong password that shares the first 72 bytes of a long right one is refused, unless the format itself truncates', () => {
    // Only plain bcrypt (and bcrypt inside crypt/wordpress) reads 72 bytes; the tool's own verdict says so.
    const prefixTwins = file.vectors.filter((v) => / but a different tail$/.test(v.password));
    if (['md5', 'sha256', 'crypt', 'wordpress'].includes(method)) return; // generate.sh predates these negatives
    expect(prefixTwins.length).toBeGreaterThan(0);
    if (method !== 'bcrypt') expect(prefixTwins.every((v) => !v.matches)).toBe(true);
  });

  it('the method is detected from the hash whenever the hash names its scheme', () => {
    for (const v of file.vectors) {
      const detected = detectHashingMethod(v.input.hashed_password);
      if (detected !== null && method !== 'crypt' && method !== 'wordpress') expect(detected, v.name).toBe(method);
    }
  });

  it.each(file.vectors.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const parsed = parseStoredPassword(vector.input);
    if (!parsed.ok) throw new Error(`vector rejected: ${parsed.code} ${parsed.reason}`);
    expect(parsed.password.method).toBe(method);
    // What is stored is plain JSON: a round trip through an event changes nothing.
    expect(JSON.parse(JSON.stringify(parsed.password))).toEqual(parsed.password);
    expect(verifyPasswordSync(parsed.password, vector.password)).toBe(vector.matches);
  });

  if (file.rejected.length > 0) {
    it.each(file.rejected.map((r) => [r.name, r] as const))('rejects: %s', (_name, rejected) => {
      const parsed = parseStoredPassword(rejected.input);
      expect(parsed).toMatchObject({ ok: false, code: rejected.code });
      if (!parsed.ok) expect(parsed.reason).not.toContain(rejected.input.hashed_password ?? '');
    });
  }
});

describe('StoredPassword is plain JSON', () => {
  it.each(METHODS)('%s survives a JSON round trip and still verifies', (method) => {
    const vector = load(method).vectors.find((v) => v.matches && v.input.salt);
    const chosen = vector ?? load(method).vectors.find((v) => v.matches)!;
    const parsed = parseStoredPassword(chosen.input);
    if (!parsed.ok) throw new Error(parsed.reason);
    const revived = JSON.parse(JSON.stringify(parsed.password));
    expect(revived).toEqual(parsed.password);
    expect(verifyPasswordSync(revived, chosen.password)).toBe(true);
  });
});
