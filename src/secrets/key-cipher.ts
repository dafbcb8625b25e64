import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets kept in the database (the token signing keys), with a
 * key that is never in the database (ROSTER_SECRET_KEY or the key file, see
 * secret-key.ts). A stolen dump or backup alone cannot sign a token.
 *
 * Stored form: `v1.<key fingerprint>.<iv>.<tag>.<ciphertext>` (base64url). The
 * caller's `context` (e.g. the key id) is authenticated as associated data, so a
 * ciphertext copied onto another row does not decrypt.
 */
export interface KeyCipher {
  /** 8 hex characters naming the key (not secret): tells which key a value needs. */
  readonly fingerprint: string;
  /** Where the key came from, for messages: "ROSTER_SECRET_KEY" or the key file's path. */
  readonly source: string;
  encrypt(plaintext: string, context: string): string;
  decrypt(stored: string, context: string): string;
}

/** The configured secret key cannot read a stored value (a wrong ROSTER_SECRET_KEY or key file). A server fault: 500. */
export class SecretKeyError extends Error {
  readonly code = 'SECRET_KEY_MISMATCH';
  readonly status = 500;
}

const b64 = (b: Buffer) => b.toString('base64url');

/** A cipher from 32 bytes of key material. */
export function keyCipherFromBytes(material: Buffer, source: string): KeyCipher {
  if (material.length < 32) throw new Error('secret key material must be at least 32 bytes');
  // A derived key, so the raw secret is used for nothing else and the fingerprint reveals nothing of it.
  const key = Buffer.from(hkdfSync('sha256', material, 'roster', 'roster/secrets-at-rest/v1', 32));
  const fingerprint = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return {
    fingerprint,
    source,
    encrypt(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', fingerprint, b64(iv), b64(cipher.getAuthTag()), b64(body)].join('.');
    },
    decrypt(stored, context) {
      const [version, fp, iv, tag, body] = stored.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new SecretKeyError('encrypted value has an unknown format');
      if (fp !== fingerprint) {
        throw new SecretKeyError(
          `the stored value was encrypted with another secret key (fingerprint ${fp}; the configured ${source === 'ROSTER_SECRET_KEY' ? 'ROSTER_SECRET_KEY' : 'key file'} has ${fingerprint})`,
        );
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretKeyError('encrypted value does not authenticate (altered, or moved from another row)');
      }
    },
  };
}
