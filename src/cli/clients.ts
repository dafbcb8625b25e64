import { cliContext, recordAdminEvent } from '../commands/admin-events';
import { openDatabase } from '../db/database';
import { adminStreams } from '../domain/admin/events';
import type { EventStore } from '../eventstore/types';
import { createClient, listClients, revokeClient } from '../http/auth/clients';
import { ALL_SCOPES, isKnownScope } from '../http/scopes';
import type { CliCommand } from './commands';
import { openEventStore } from './event-store';

/**
 * `roster clients create --name NAME [--scopes a,b | --all]`, `roster clients list`,
 * `roster clients revoke CLIENT_ID`. A new client's secret is printed once, on stdout.
 * Creating and revoking are recorded as events (actor system `cli`) for the audit log.
 */
const USAGE = `Usage:
  roster clients create --name NAME (--scopes read:users,create:users | --all)
  roster clients list
  roster clients revoke CLIENT_ID
`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export const clientsCommand: CliCommand = {
  summary: 'manage API clients (OAuth2 client credentials): create, list, revoke',
  async run(args, { config, logger }) {
    const [sub, ...rest] = args;
    if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
      process.stderr.write(USAGE);
      return 2;
    }
    let scopes: string[] = [];
    if (sub === 'create') {
      const name = flag(rest, '--name');
      scopes = rest.includes('--all')
        ? ['*']
        : (flag(rest, '--scopes') ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
      const unknown = scopes.filter((s) => s !== '*' && !isKnownScope(s));
      if (!name || scopes.length === 0 || unknown.length > 0) {
        process.stderr.write(unknown.length ? `roster: unknown scopes: ${unknown.join(', ')}\nKnown: ${ALL_SCOPES.join(' ')}\n` : USAGE);
        return 2;
      }
    }
    if (sub === 'revoke' && !rest[0]) {
      process.stderr.write(USAGE);
      return 2;
    }
    const db = await openDatabase(config, logger);
    let store: EventStore | undefined;
    try {
      store = await openEventStore(config, db);
      if (sub === 'create') {
        const { client, secret } = await createClient(db.knex, { name: flag(rest, '--name')!, scopes });
        await recordAdminEvent(
          store,
          adminStreams.apiClient(client.clientId),
          { type: 'ApiClientCreated', data: { clientId: client.clientId, name: client.name, scopes: [...client.scopes] } },
          cliContext(),
        );
        process.stdout.write(`${JSON.stringify({ client_id: client.clientId, client_secret: secret, name: client.name, scopes: client.scopes }, null, 2)}\nThe secret is shown only this once.\n`);
        return 0;
      }
      if (sub === 'list') {
        const clients = await listClients(db.knex);
        const out = clients.map((c) => ({ client_id: c.clientId, name: c.name, scopes: c.scopes, created_at: c.createdAt.toISOString(), revoked_at: c.revokedAt?.toISOString() ?? null }));
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        return 0;
      }
      const clientId = rest[0]!;
      const ok = await revokeClient(db.knex, clientId);
      if (ok) await recordAdminEvent(store, adminStreams.apiClient(clientId), { type: 'ApiClientRevoked', data: { clientId } }, cliContext());
      process.stdout.write(ok ? `revoked ${rest[0]}\n` : `no active client ${rest[0]}\n`);
      return ok ? 0 : 1;
    } finally {
      await store?.close();
      await db.close();
    }
  },
};
