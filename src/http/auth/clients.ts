import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { RosterError } from '../../domain/errors';
import { ALL_SCOPES, isKnownScope } from '../scopes';

/**
 * Machine clients of the API (OAuth2 client credentials). Secrets are stored as
 * scrypt hashes; a secret is shown once, when the client is created, and never
 * again. `*` in a client's scopes means every scope, now and later.
 */
export interface ApiClient {
  readonly clientId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;
const N = 16384;
const R = 8;
const P = 1;

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, 32, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, hashB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hashB64, 'base64');
  const actual = await scrypt(secret, Buffer.from(saltB64, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A scrypt hash of a random secret, to compare against when the client id is unknown (same cost either way). */
let dummyHash: Promise<string> | undefined;
export const dummySecretHash = () => (dummyHash ??= hashSecret(randomBytes(16).toString('hex')));

export function newClientId(): string {
  return `roster_${randomBytes(12).toString('hex')}`;
}

export function newClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The scopes a client holds, with `*` expanded. */
export function effectiveScopes(client: Pick<ApiClient, 'scopes'>): string[] {
  return client.scopes.includes('*') ? [...ALL_SCOPES] : client.scopes.filter(isKnownScope);
}

interface Row {
  client_id: string;
  name: string;
  secret_hash: string;
  scopes: string[];
  created_at: Date;
  revoked_at: Date | null;
}

const toClient = (r: Row): ApiClient => ({ clientId: r.client_id, name: r.name, scopes: r.scopes, createdAt: r.created_at, revokedAt: r.revoked_at });

export async function findClientWithHash(knex: Knex, clientId: string): Promise<(ApiClient & { secretHash: string }) | undefined> {
  // Every API request looks its client up (a revoked client's tokens stop at once): a named
  // prepared statement, parsed and planned once per connection, without the query builder.
  const { rows } = await knex
    .raw<{ rows: Row[] }>('select client_id, name, secret_hash, scopes, created_at, revoked_at from api_clients where client_id = ?', [clientId])
    .options({ name: 'roster_find_api_client' });
  const row = rows[0];
  return row ? { ...toClient(row), secretHash: row.secret_hash } : undefined;
}

export async function findClient(knex: Knex, clientId: string): Promise<ApiClient | undefined> {
  const found = await findClientWithHash(knex, clientId);
  if (!found) return undefined;
  const { secretHash: _ignored, ...client } = found;
  return client;
}

export async function createClient(knex: Knex, input: { name: string; scopes: readonly string[]; clientId?: string; secret?: string }): Promise<{ client: ApiClient; secret: string }> {
  for (const s of input.scopes) if (s !== '*' && !isKnownScope(s)) throw new RosterError('invalid', 'UNKNOWN_SCOPE', `unknown scope "${s}"`);
  const clientId = input.clientId ?? newClientId();
  const secret = input.secret ?? newClientSecret();
  const [row] = await knex<Row>('api_clients')
    .insert({ client_id: clientId, name: input.name, secret_hash: await hashSecret(secret), scopes: [...input.scopes] })
    .returning('*');
  return { client: toClient(row!), secret };
}

export async function listClients(knex: Knex): Promise<ApiClient[]> {
  const rows = await knex<Row>('api_clients').orderBy('created_at', 'asc');
  return rows.map(toClient);
}

/** true when the client existed and was active. */
export async function revokeClient(knex: Knex, clientId: string): Promise<boolean> {
  const n = await knex('api_clients').where({ client_id: clientId }).whereNull('revoked_at').update({ revoked_at: knex.fn.now() });
  return n > 0;
}

/**
 * The first admin client: from configuration when given (its secret is kept in
 * step with the configuration), else created when no client exists at all; the
 * generated secret is handed to `announce` once and stored only as a hash.
 */
export async function ensureAdminClient(knex: Knex, admin: { id: string; secret: string } | undefined, announce: (clientId: string, secret: string) => void): Promise<void> {
  const created = await knex.transaction(async (trx) => {
    await trx.raw(`select pg_advisory_xact_lock(hashtext('roster-admin-client'))`);
    if (admin) {
      const existing = await findClientWithHash(trx, admin.id);
      if (!existing) {
        await createClient(trx, { name: 'admin', scopes: ['*'], clientId: admin.id, secret: admin.secret });
      } else if (!(await verifySecret(admin.secret, existing.secretHash)) || existing.revokedAt || !existing.scopes.includes('*')) {
        await trx('api_clients')
          .where({ client_id: admin.id })
          .update({ secret_hash: await hashSecret(admin.secret), scopes: ['*'], revoked_at: null });
      }
      return undefined;
    }
    const [{ count }] = (await trx('api_clients').count<{ count: number | string }[]>('* as count')) as [{ count: number | string }];
    if (Number(count) > 0) return undefined;
    return createClient(trx, { name: 'admin', scopes: ['*'] });
  });
  // Announced after the commit, so a printed secret is always a stored one.
  if (created) announce(created.client.clientId, created.secret);
}
