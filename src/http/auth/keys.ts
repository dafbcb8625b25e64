import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { exportJWK, type JWK } from 'jose';
import type { Knex } from 'knex';

/**
 * The RS256 key that signs access tokens: generated at first start and kept in
 * the database, so every process of a deployment signs and verifies with the
 * same key. The private key is never logged or served.
 */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: JWK;
}

interface Row {
  kid: string;
  private_key_pkcs8: string;
  public_jwk: JWK;
}

function fromRow(row: Row): SigningKey {
  const privateKey = createPrivateKey(row.private_key_pkcs8);
  return { kid: row.kid, privateKey, publicKey: createPublicKey(privateKey), publicJwk: row.public_jwk };
}

/** Every active key (newest first); creates one when there is none. Safe from several processes at once. */
export async function loadOrCreateSigningKeys(knex: Knex): Promise<SigningKey[]> {
  return knex.transaction(async (trx) => {
    await trx.raw(`select pg_advisory_xact_lock(hashtext('roster-signing-key'))`);
    let rows = (await trx<Row>('api_signing_keys').whereNull('retired_at').orderBy('created_at', 'desc')) as Row[];
    if (rows.length === 0) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const kid = randomBytes(12).toString('hex');
      const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
      await trx('api_signing_keys').insert({
        kid,
        private_key_pkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
        public_jwk: JSON.stringify(jwk),
      });
      rows = (await trx<Row>('api_signing_keys').whereNull('retired_at').orderBy('created_at', 'desc')) as Row[];
    }
    return rows.map(fromRow);
  });
}
