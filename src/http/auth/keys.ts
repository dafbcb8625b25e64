import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { exportJWK, type JWK } from 'jose';
import type { Knex } from 'knex';
import type { KeyCipher } from '../../secrets/key-cipher';

/**
 * The RS256 keys that sign access tokens and webhook bodies, kept in the
 * database so every process of a deployment signs and verifies with the same
 * keys. Private keys are stored encrypted (AES-256-GCM, src/secrets) with a key
 * that is not in the database: the rows alone cannot sign a token. The private
 * key is never logged or served.
 *
 * Rotation (`roster keys rotate`) adds a key and gives the others a `retired_at`
 * one token lifetime ahead: the newest key signs, and the JWKS keeps publishing
 * the old ones until every token they signed has expired.
 */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: JWK;
  readonly createdAt: Date;
  /** When it stops being published (null: current). */
  readonly retiredAt: Date | null;
}

interface Row {
  kid: string;
  private_key_pkcs8: string | null;
  private_key_encrypted: string | null;
  public_jwk: JWK;
  created_at: Date;
  retired_at: Date | null;
}

const LOCK = `select pg_advisory_xact_lock(hashtext('roster-signing-key'))`;
/** Encryption context: a ciphertext only decrypts on its own key's row. */
const context = (kid: string) => `api_signing_keys:${kid}`;

function fromRow(row: Row, cipher: KeyCipher): SigningKey {
  if (!row.private_key_encrypted) throw new Error(`signing key ${row.kid} is not encrypted yet`);
  const privateKey = createPrivateKey(cipher.decrypt(row.private_key_encrypted, context(row.kid)));
  return { kid: row.kid, privateKey, publicKey: createPublicKey(privateKey), publicJwk: row.public_jwk, createdAt: row.created_at, retiredAt: row.retired_at };
}

async function insertNewKey(trx: Knex.Transaction, cipher: KeyCipher): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(12).toString('hex');
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  await trx('api_signing_keys').insert({ kid, private_key_pkcs8: null, private_key_encrypted: cipher.encrypt(pem, context(kid)), public_jwk: JSON.stringify(jwk) });
  return kid;
}

/** Keys still published (not retired, or retired in the future), newest first. */
const published = (q: Knex) =>
  q<Row>('api_signing_keys')
    .where((w) => {
      w.whereNull('retired_at').orWhere('retired_at', '>', q.fn.now());
    })
    .orderBy('created_at', 'desc');

/**
 * At start: encrypts any key still stored in clear (databases from before
 * encryption at rest), creates the first key when there is none, and returns the
 * published keys, newest first. Safe from several processes at once.
 */
export async function ensureSigningKeys(knex: Knex, cipher: KeyCipher): Promise<SigningKey[]> {
  return knex.transaction(async (trx) => {
    await trx.raw(LOCK);
    const clear = await trx<Row>('api_signing_keys').whereNotNull('private_key_pkcs8');
    for (const row of clear) {
      await trx('api_signing_keys')
        .where({ kid: row.kid })
        .update({ private_key_encrypted: cipher.encrypt(row.private_key_pkcs8!, context(row.kid)), private_key_pkcs8: null });
    }
    const current = await trx<Row>('api_signing_keys').whereNull('retired_at').first('kid');
    if (!current) await insertNewKey(trx, cipher);
    return (await published(trx as unknown as Knex)).map((r) => fromRow(r, cipher));
  });
}

/**
 * Adds a new signing key; every older key keeps being published for
 * `overlapSeconds` (at least the token lifetime), then drops out of the JWKS.
 */
export async function rotateSigningKey(knex: Knex, cipher: KeyCipher, overlapSeconds: number): Promise<{ kid: string; retiring: { kid: string; retiredAt: Date }[] }> {
  return knex.transaction(async (trx) => {
    await trx.raw(LOCK);
    const retiring: { kid: string; retired_at: Date }[] = await trx<Row>('api_signing_keys')
      .whereNull('retired_at')
      .update({ retired_at: trx.raw(`now() + (? * interval '1 second')`, [overlapSeconds]) }, ['kid', 'retired_at']);
    const kid = await insertNewKey(trx, cipher);
    return { kid, retiring: retiring.map((r) => ({ kid: r.kid, retiredAt: new Date(r.retired_at) })) };
  });
}

/**
 * The keys a process signs and verifies with, kept current cheaply: at most every
 * `refreshMs` one query for the published key ids; only a new key is decrypted.
 * So a rotation by another process (the CLI) is picked up within that time.
 */
export interface KeyRing {
  /** The newest published key: the one that signs. */
  signing(): Promise<SigningKey>;
  /** Every published key (the JWKS). */
  published(): Promise<SigningKey[]>;
  /** A published key by id (verification), refreshed at once for an id not seen yet. */
  byKid(kid: string | undefined): Promise<SigningKey | undefined>;
}

export function createKeyRing(knex: Knex, cipher: KeyCipher, options: { refreshMs?: number } = {}): KeyRing {
  const refreshMs = options.refreshMs ?? 1000;
  const decrypted = new Map<string, SigningKey>();
  let current: SigningKey[] = [];
  let checkedAt = -Infinity;
  let refreshing: Promise<SigningKey[]> | undefined;

  async function refresh(): Promise<SigningKey[]> {
    const rows = await published(knex).select('kid', 'private_key_pkcs8', 'private_key_encrypted', 'public_jwk', 'created_at', 'retired_at');
    current = rows.map((r) => {
      const known = decrypted.get(r.kid);
      const key = known && known.retiredAt?.getTime() === r.retired_at?.getTime() ? known : { ...(known ?? fromRow(r, cipher)), retiredAt: r.retired_at };
      decrypted.set(r.kid, key);
      return key;
    });
    checkedAt = Date.now();
    return current;
  }
  const fresh = (force = false) => {
    // A forced refresh (an unknown kid) still waits 100 ms between queries: random kids cannot flood the database.
    if (Date.now() - checkedAt < (force ? Math.min(100, refreshMs) : refreshMs)) return Promise.resolve(current);
    refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };
  // A retired key is dropped as soon as its time is up, between refreshes too.
  const live = (keys: SigningKey[]) => keys.filter((k) => !k.retiredAt || k.retiredAt.getTime() > Date.now());

  return {
    async signing() {
      const keys = live(await fresh());
      const key = keys[0] ?? live(await fresh(true))[0];
      if (!key) throw new Error('no signing key: start roster serve once to create one');
      return key;
    },
    async published() {
      return live(await fresh());
    },
    async byKid(kid) {
      if (!kid) return undefined;
      return live(await fresh()).find((k) => k.kid === kid) ?? live(await fresh(true)).find((k) => k.kid === kid);
    },
  };
}
