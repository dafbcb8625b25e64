import { spawn } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyRing, ensureSigningKeys } from '../../src/http/auth/keys';
import { keyCipherFromBytes } from '../../src/secrets/key-cipher';
import { createWebhookSigner } from '../../src/webhooks/signer';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { until } from '../webhooks/harness';

/**
 * Signing keys at rest and their rotation (issue 13 item 3), through the served
 * app and the real `roster keys rotate` command on the same database.
 */
describe('signing keys', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  const jwksKids = async () => ((await (await fetch(`${app.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
  const users = async (token: string) => (await fetch(`${app.url}/api/v1/users`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('the database rows hold no usable private key: nothing in clear, nothing another key decrypts', async () => {
    const rows = (await app.db.knex('api_signing_keys').select('*')) as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.private_key_pkcs8).toBeNull();
      for (const value of Object.values(row)) {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        expect(text).not.toMatch(/PRIVATE KEY/);
        // No column, whatever its encoding, loads as a private key.
        for (const candidate of [text, Buffer.from(text, 'base64')]) expect(() => createPrivateKey(candidate)).toThrow();
      }
      // The public JWK has no private members (d, p, q, dp, dq, qi).
      expect(Object.keys(row.public_jwk as object).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
      const stranger = keyCipherFromBytes(Buffer.alloc(32, 9), 'attacker');
      expect(() => stranger.decrypt(String(row.private_key_encrypted), `api_signing_keys:${String(row.kid)}`)).toThrow();
    }
  });

  it('roster keys rotate: new tokens and webhook JWTs use the new key; the JWKS keeps the old one until its tokens expire', async () => {
    const oldToken = await app.token();
    const oldKid = decodeProtectedHeader(oldToken).kid!;
    expect(await jwksKids()).toEqual([oldKid]);

    const out = await runCli(['keys', 'rotate'], { DATABASE_URL: app.db.url, ROSTER_DATA_DIR: app.runtime.config.dataDir, LOG_LEVEL: 'silent' });
    expect(out.code).toBe(0);
    const rotated = JSON.parse(out.stdout) as { signing_kid: string; retiring: { kid: string; published_until: string }[] };
    expect(rotated.retiring.map((r) => r.kid)).toEqual([oldKid]);
    const until1h = Date.parse(rotated.retiring[0]!.published_until) - Date.now();
    expect(until1h).toBeGreaterThan(3600_000);
    const newKid = rotated.signing_kid;

    // The running server notices within its refresh interval (1 s).
    const newToken = await until('a token signed with the new key', async () => {
      const t = await app.token();
      return decodeProtectedHeader(t).kid === newKid ? t : undefined;
    });
    expect(new Set(await jwksKids())).toEqual(new Set([newKid, oldKid]));
    expect(await users(oldToken)).toBe(200);
    expect(await users(newToken)).toBe(200);

    const listed = await runCli(['keys', 'list'], { DATABASE_URL: app.db.url, ROSTER_DATA_DIR: app.runtime.config.dataDir, LOG_LEVEL: 'silent' });
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ kid: newKid, status: 'signing', published_until: null }),
      expect.objectContaining({ kid: oldKid, status: 'published', published_until: rotated.retiring[0]!.published_until }),
    ]);

    const keyRing = createKeyRing(app.db.knex, app.runtime.keyCipher, { refreshMs: 0 });
    const signer = createWebhookSigner(() => keyRing.signing());
    expect(decodeProtectedHeader(await signer.sign({ type: 'user.created' })).kid).toBe(newKid);

    // When the old key's tokens have expired (moved forward here), it leaves the JWKS and its tokens stop working.
    await app.db
      .knex('api_signing_keys')
      .where({ kid: oldKid })
      .update({ retired_at: app.db.knex.raw(`now() - interval '1 second'`) });
    await until('the old key to leave the JWKS', async () => (await jwksKids()).join() === newKid);
    expect(await users(oldToken)).toBe(403);
    expect(await users(newToken)).toBe(200);
  }, 60_000);
});

describe('a database from before encryption at rest', () => {
  it('has its clear-text private keys encrypted at first start, and they keep signing', async () => {
    const db = await createTestDatabase();
    try {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const kid = 'legacy0000000000000000aa';
      await db.knex('api_signing_keys').insert({
        kid,
        private_key_pkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        public_jwk: JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }),
      });
      const cipher = keyCipherFromBytes(Buffer.alloc(32, 4), 'test');
      const keys = await ensureSigningKeys(db.knex, cipher);
      expect(keys.map((k) => k.kid)).toEqual([kid]);
      expect(keys[0]!.privateKey.export({ type: 'pkcs8', format: 'pem' })).toBe(privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const row = await db.knex('api_signing_keys').where({ kid }).first();
      expect(row.private_key_pkcs8).toBeNull();
      expect(row.private_key_encrypted).toMatch(/^v1\./);
      // A second start changes nothing and still decrypts.
      expect((await ensureSigningKeys(db.knex, cipher)).map((k) => k.kid)).toEqual([kid]);
    } finally {
      await db.close();
    }
  });
});

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
