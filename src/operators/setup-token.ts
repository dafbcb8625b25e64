import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { hasOperators } from './operators';
import { digest } from './sessions';

/**
 * The one-time setup link of a fresh install: while no operator exists, each
 * start issues a new token (the earlier unused ones stop working), valid 24
 * hours, stored as a digest. Consuming it creates the first operator in the
 * same transaction, so two racing requests cannot both succeed.
 */
export const SETUP_TOKEN_HOURS = 24;

/** A new setup token when there is no operator yet, else undefined. */
export async function issueSetupToken(knex: Knex): Promise<string | undefined> {
  return knex.transaction(async (trx) => {
    await trx.raw(`select pg_advisory_xact_lock(hashtext('roster-operator-setup'))`);
    if (await hasOperators(trx)) return undefined;
    const token = randomBytes(32).toString('base64url');
    await trx('operator_setup_tokens').whereNull('used_at').delete();
    await trx('operator_setup_tokens').insert({ token_hash: digest(token), expires_at: trx.raw(`now() + make_interval(hours => ?)`, [SETUP_TOKEN_HOURS]) });
    return token;
  });
}

/** Whether the console still needs its first operator. */
export async function setupRequired(knex: Knex): Promise<boolean> {
  return !(await hasOperators(knex));
}

/**
 * Runs `create` inside a transaction when `token` is a live, unused setup token
 * and no operator exists yet, marking the token used; false (nothing written) otherwise.
 */
export async function consumeSetupToken<T>(knex: Knex, token: string, create: (trx: Knex.Transaction) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { ok: false };
  return knex.transaction(async (trx) => {
    // Serialised with issueSetupToken and other setups by the lock, so check-then-write is safe.
    await trx.raw(`select pg_advisory_xact_lock(hashtext('roster-operator-setup'))`);
    const live = await trx<{ token_hash: string; used_at: Date | null; expires_at: Date }>('operator_setup_tokens')
      .where({ token_hash: digest(token) })
      .whereNull('used_at')
      .where('expires_at', '>', trx.fn.now())
      .first('token_hash');
    if (!live || (await hasOperators(trx))) return { ok: false as const };
    await trx('operator_setup_tokens').where({ token_hash: live.token_hash }).update({ used_at: trx.fn.now() });
    return { ok: true as const, value: await create(trx) };
  });
}
