import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { keyCipherFromBytes } from '../../src/secrets/key-cipher';
import { KEY_FILE_NAME, loadKeyCipher } from '../../src/secrets/secret-key';

/**
 * The key that encrypts signing keys at rest (issue 13 item 3): AES-256-GCM,
 * from ROSTER_SECRET_KEY or a mode-600 key file in the data directory.
 */
const dirs: string[] = [];
const tmpDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-secret-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function capture() {
  const lines: { level: string; msg: string; file?: string }[] = [];
  const logger = createLogger('debug', {}, (l) => lines.push(JSON.parse(l)));
  return { lines, logger };
}

describe('AES-256-GCM cipher', () => {
  const cipher = keyCipherFromBytes(Buffer.alloc(32, 1), 'test');
  it('round-trips, with a fresh IV each time, and binds the value to its row', () => {
    const a = cipher.encrypt('-----BEGIN PRIVATE KEY-----', 'api_signing_keys:k1');
    const b = cipher.encrypt('-----BEGIN PRIVATE KEY-----', 'api_signing_keys:k1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('PRIVATE');
    expect(cipher.decrypt(a, 'api_signing_keys:k1')).toBe('-----BEGIN PRIVATE KEY-----');
    expect(() => cipher.decrypt(a, 'api_signing_keys:k2')).toThrow(/does not authenticate/);
  });
  it('refuses an altered value and names a key mismatch', () => {
    const v = cipher.encrypt('secret', 'ctx');
    const parts = v.split('.');
    const body = Buffer.from(parts[4]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[4] = body.toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'), 'ctx')).toThrow(/does not authenticate/);
    const other = keyCipherFromBytes(Buffer.alloc(32, 2), 'ROSTER_SECRET_KEY');
    expect(() => other.decrypt(v, 'ctx')).toThrow(expect.objectContaining({ code: 'SECRET_KEY_MISMATCH', message: expect.stringContaining('another secret key') }));
  });
});

describe('where the key comes from', () => {
  it('without ROSTER_SECRET_KEY: a key file created mode 600 at first start, the same key after', () => {
    const dataDir = path.join(tmpDir(), 'data');
    const { lines, logger } = capture();
    const first = loadKeyCipher({ dataDir }, logger);
    const file = path.join(dataDir, KEY_FILE_NAME);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(lines.some((l) => l.msg.includes('created the secret key file'))).toBe(true);
    const second = loadKeyCipher({ dataDir }, createLogger('silent'));
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.decrypt(first.encrypt('x', 'c'), 'c')).toBe('x');
    // No warning with the embedded database: the key lives beside it.
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('warns at start when DATABASE_URL points to an external database and the key file is used', () => {
    const dataDir = tmpDir();
    const { lines, logger } = capture();
    loadKeyCipher({ dataDir, databaseUrl: 'postgres://db.internal/roster' }, logger);
    const warn = lines.find((l) => l.level === 'warn');
    expect(warn?.msg).toContain('set ROSTER_SECRET_KEY');
    expect(warn?.file).toBe(path.join(dataDir, KEY_FILE_NAME));
  });

  it('ROSTER_SECRET_KEY: no key file, no warning, and a different key than the file', () => {
    const dataDir = tmpDir();
    const { lines, logger } = capture();
    const config = loadConfig({ ROSTER_SECRET_KEY: 'k'.repeat(44), ROSTER_DATA_DIR: dataDir, DATABASE_URL: 'postgres://db.internal/roster' });
    const cipher = loadKeyCipher(config, logger);
    expect(cipher.source).toBe('ROSTER_SECRET_KEY');
    expect(fs.existsSync(path.join(dataDir, KEY_FILE_NAME))).toBe(false);
    expect(lines).toEqual([]);
    expect(() => loadConfig({ ROSTER_SECRET_KEY: 'too-short' })).toThrow(/ROSTER_SECRET_KEY: must be at least 32 characters/);
    // The configuration error never echoes the value.
    expect(() => loadConfig({ ROSTER_SECRET_KEY: 'too-short' })).not.toThrow(/too-short/);
  });

  it('refuses a key file that other users can read, or that holds no key', () => {
    const dataDir = tmpDir();
    loadKeyCipher({ dataDir }, createLogger('silent'));
    const file = path.join(dataDir, KEY_FILE_NAME);
    fs.chmodSync(file, 0o644);
    expect(() => loadKeyCipher({ dataDir }, createLogger('silent'))).toThrow(/readable by other users .*chmod 600/);
    fs.chmodSync(file, 0o600);
    fs.writeFileSync(file, 'c2hvcnQ=\n');
    expect(() => loadKeyCipher({ dataDir }, createLogger('silent'))).toThrow(/does not hold a 32-byte base64 key/);
  });
});
