import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { RosterError } from '../domain/errors';
import { checkTemporaryPasswordStrength, type PasswordVerifier, type StoredPassword } from '../passwords';
import { isValidTotpSecret } from './totp';

/**
 * Operators: the people who run Roster through the admin console, kept apart
 * from the users Roster manages. Like API clients they are credentials, not
 * domain data, so they live in a table (no stream, no read model to rebuild);
 * passwords are hashed by the same password library as every user password.
 */
export interface Operator {
  readonly id: string;
  readonly email: string;
  readonly hasTotp: boolean;
  readonly createdAt: Date;
  readonly disabledAt: Date | null;
  readonly lastSignedInAt: Date | null;
}

export interface OperatorCredentials extends Operator {
  readonly password: StoredPassword;
  readonly totpSecret: string | null;
}

/**
 * A broken operator rule; `code` is stable, the message never carries a secret.
 * Of kind invalid: the console answers every one of them with 400.
 */
export class OperatorError extends RosterError {
  declare readonly code: 'OPERATOR_EMAIL_INVALID' | 'OPERATOR_EMAIL_TAKEN' | 'OPERATOR_NOT_FOUND' | 'PASSWORD_TOO_SHORT' | 'PASSWORD_TOO_COMMON' | 'TOTP_SECRET_INVALID';
  constructor(code: OperatorError['code'], message: string) {
    super('invalid', code, message);
    this.name = 'OperatorError';
  }
}

interface Row {
  id: string;
  email: string;
  password: StoredPassword;
  totp_secret: string | null;
  created_at: Date;
  disabled_at: Date | null;
  last_signed_in_at: Date | null;
}

const toOperator = (r: Row): Operator => ({
  id: r.id,
  email: r.email,
  hasTotp: r.totp_secret !== null,
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
  lastSignedInAt: r.last_signed_in_at,
});

const EMAIL = /^[^\s@]+@[^\s@]+$/;
export const newOperatorId = () => `op_${randomBytes(12).toString('hex')}`;

export interface NewOperator {
  readonly email: string;
  readonly password: string;
  /** Base32 TOTP secret, already confirmed with a code by the caller. */
  readonly totpSecret?: string;
}

/** Checks the input before anything is hashed or written (bad input changes nothing). */
export function validateNewOperator(input: NewOperator): void {
  const email = input.email.trim();
  if (!EMAIL.test(email) || email.length > 320) throw new OperatorError('OPERATOR_EMAIL_INVALID', 'The email is not a valid email address');
  const weak = checkTemporaryPasswordStrength(input.password);
  if (weak) throw new OperatorError(weak.code, weak.message);
  if (input.totpSecret !== undefined && !isValidTotpSecret(input.totpSecret)) throw new OperatorError('TOTP_SECRET_INVALID', 'The TOTP secret must be base32, at least 16 characters');
}

export async function createOperator(db: Knex | Knex.Transaction, passwords: Pick<PasswordVerifier, 'hash'>, input: NewOperator): Promise<Operator> {
  validateNewOperator(input);
  const email = input.email.trim();
  const password = await passwords.hash(input.password);
  try {
    const [row] = (await db('operators')
      .insert({ id: newOperatorId(), email, password: JSON.stringify(password), totp_secret: input.totpSecret ?? null })
      .returning('*')) as Row[];
    return toOperator(row!);
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new OperatorError('OPERATOR_EMAIL_TAKEN', `An operator with the email ${email} already exists`);
    throw err;
  }
}

export async function findOperatorByEmail(db: Knex, email: string): Promise<OperatorCredentials | undefined> {
  const row = await db<Row>('operators').whereRaw('lower(email) = ?', [email.trim().toLowerCase()]).first();
  return row ? { ...toOperator(row), password: row.password, totpSecret: row.totp_secret } : undefined;
}

export async function listOperators(db: Knex): Promise<Operator[]> {
  return (await db<Row>('operators').orderBy('created_at', 'asc')).map(toOperator);
}

/** Whether any operator exists (disabled ones count: the setup link is only for a fresh install). */
export async function hasOperators(db: Knex | Knex.Transaction): Promise<boolean> {
  return (await db('operators').first('id')) !== undefined;
}

/** Disables an operator by id or email and ends its sessions at once; the operators disabled (none when no active one matched). */
export async function disableOperator(db: Knex, idOrEmail: string): Promise<{ id: string; email: string }[]> {
  return db.transaction(async (trx) => {
    const rows: { id: string; email: string }[] = await trx<Row>('operators')
      .where((q) => {
        q.where('id', idOrEmail).orWhereRaw('lower(email) = ?', [idOrEmail.trim().toLowerCase()]);
      })
      .whereNull('disabled_at')
      .update({ disabled_at: trx.fn.now() })
      .returning(['id', 'email']);
    if (rows.length === 0) return rows;
    await trx('operator_sessions')
      .whereIn(
        'operator_id',
        rows.map((r) => r.id),
      )
      .delete();
    return rows;
  });
}

export async function recordSignIn(db: Knex, operatorId: string): Promise<void> {
  await db('operators').where({ id: operatorId }).update({ last_signed_in_at: db.fn.now() });
}
