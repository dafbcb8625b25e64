import { cliContext, recordAdminEvent } from '../commands/admin-events';
import { adminStreams } from '../domain/admin/events';
import { createOperator, disableOperator, listOperators, OperatorError } from '../operators/operators';
import { newTotpSecret } from '../operators/totp';
import { openDatabase } from '../db/database';
import type { EventStore } from '../eventstore/types';
import { hashPassword } from '../passwords';
import type { CliCommand, CliContext } from './commands';
import { openEventStore } from './event-store';

/**
 * `roster operators create --email EMAIL [--totp]` (the password is read from
 * standard input, never from the command line, where `ps` and shell history
 * would keep it), `roster operators list`, `roster operators disable ID|EMAIL`.
 * Creating and disabling are recorded as events (actor `system` `cli`, source
 * `system`) for the audit log.
 */
const USAGE = `Usage:
  roster operators create --email EMAIL [--totp]   (password on standard input)
  roster operators list
  roster operators disable OPERATOR_ID|EMAIL
`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The first line of standard input; on a terminal, asked for without echo. */
async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write('Password: ');
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    return new Promise((resolve, reject) => {
      let typed = '';
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') {
            stdin.setRawMode(false);
            stdin.pause();
            stdin.off('data', onData);
            process.stderr.write('\n');
            resolve(typed);
            return;
          }
          if (ch === '\u0003') {
            stdin.setRawMode(false);
            reject(new Error('cancelled'));
            return;
          }
          if (ch === '\u007f') typed = typed.slice(0, -1);
          else typed += ch;
        }
      };
      stdin.on('data', onData);
    });
  }
  let all = '';
  for await (const chunk of stdin) all += String(chunk);
  return all.split(/\r?\n/)[0] ?? '';
}

/** Where the command reads the password and writes its output (tests pass their own). */
export interface OperatorsIo {
  readPassword(): Promise<string>;
  out(text: string): void;
  err(text: string): void;
}

const processIo: OperatorsIo = { readPassword, out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

export const operatorsCommand: CliCommand = {
  summary: 'manage admin console operators: create, list, disable',
  run: (args, ctx) => runOperators(args, ctx, processIo),
};

export async function runOperators(args: string[], { config, logger }: CliContext, io: OperatorsIo): Promise<number> {
  const [sub, ...rest] = args;
  const email = flag(rest, '--email');
  if ((sub === 'create' && !email) || (sub === 'disable' && !rest[0]) || (sub !== 'create' && sub !== 'list' && sub !== 'disable')) {
    io.err(USAGE);
    return 2;
  }
  const password = sub === 'create' ? await io.readPassword() : '';
  const db = await openDatabase(config, logger);
  let store: EventStore | undefined;
  try {
    store = await openEventStore(config, db);
    if (sub === 'create') {
      const totp = rest.includes('--totp') ? newTotpSecret(email!) : undefined;
      try {
        const op = await createOperator(
          db.knex,
          { hash: (plain) => Promise.resolve(hashPassword(plain, config.bcryptCost)) },
          { email: email!, password, ...(totp ? { totpSecret: totp.secret } : {}) },
        );
        await recordAdminEvent(store, adminStreams.operator(op.id), { type: 'OperatorCreated', data: { operatorId: op.id, email: op.email, totp: op.hasTotp, firstOperator: false } }, cliContext());
        io.out(JSON.stringify({ id: op.id, email: op.email, ...(totp ? { totp_uri: totp.uri } : {}) }, null, 2) + '\n');
        if (totp) io.out('Add the totp_uri to an authenticator app now: it is shown only this once.\n');
        return 0;
      } catch (err) {
        if (err instanceof OperatorError) {
          io.err(`roster: ${err.code}: ${err.message}\n`);
          return 2;
        }
        throw err;
      }
    }
    if (sub === 'list') {
      const out = (await listOperators(db.knex)).map((o) => ({
        id: o.id,
        email: o.email,
        totp: o.hasTotp,
        created_at: o.createdAt.toISOString(),
        disabled_at: o.disabledAt?.toISOString() ?? null,
        last_signed_in_at: o.lastSignedInAt?.toISOString() ?? null,
      }));
      io.out(JSON.stringify(out, null, 2) + '\n');
      return 0;
    }
    const disabled = await disableOperator(db.knex, rest[0]!);
    for (const op of disabled) {
      await recordAdminEvent(store, adminStreams.operator(op.id), { type: 'OperatorDisabled', data: { operatorId: op.id, email: op.email } }, cliContext());
    }
    const ok = disabled.length > 0;
    io.out(ok ? `disabled ${rest[0]} (its sessions are ended)\n` : `no active operator ${rest[0]}\n`);
    return ok ? 0 : 1;
  } finally {
    await store?.close();
    await db.close();
  }
}
