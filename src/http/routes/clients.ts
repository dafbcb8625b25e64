import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { recordAdminEvent } from '../../commands/admin-events';
import { adminStreams } from '../../domain/admin/events';
import { contextFrom, settle, type ApiDeps } from '../api';
import { createClient, listClients, revokeClient, type ApiClient } from '../auth/clients';
import { principalOf, type Principal } from '../auth';
import { HttpError } from '../errors';
import { isKnownScope } from '../scopes';

/**
 * API clients from the admin console (what `roster clients` does on the CLI):
 *   GET    /api/v1/clients               every client, never a secret
 *   POST   /api/v1/clients               {name, scopes}: the secret is in this answer only
 *   DELETE /api/v1/clients/{client_id}   revoke: its tokens stop working at once
 * Operators only: a bearer token that could mint clients could grant itself any
 * scope, so no API scope opens these routes.
 */
const CreateBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    scopes: z.array(z.string().min(1).max(100)).min(1).max(200),
  })
  .strict();
const ClientParam = z.object({ client_id: z.string().min(1).max(200) });

const view = (c: ApiClient) => ({ client_id: c.clientId, name: c.name, scopes: c.scopes, created_on: c.createdAt.toISOString(), revoked_on: c.revokedAt?.toISOString() ?? null });

function operatorOf(res: Response): NonNullable<Principal['operator']> {
  const operator = (res.locals.principal as Principal | undefined)?.operator;
  if (!operator) throw new HttpError('forbidden', 'OPERATOR_REQUIRED', 'API clients are managed by operators, in the admin console or with `roster clients`');
  return operator;
}

/** Creating and revoking are audited (ApiClientCreated / ApiClientRevoked on `api-client-<id>`); the answer waits for the audit log. */
export function clientRoutes(deps: Pick<ApiDeps, 'store' | 'knex' | 'projector' | 'logger' | 'trustedLocationHeader' | 'readYourWritesMs'>) {
  const ctxOf = (req: Request, res: Response) => contextFrom(req, res, principalOf(res), deps.trustedLocationHeader);
  return (router: Router) => {
    router.get('/api/v1/clients', async (_req: Request, res: Response) => {
      operatorOf(res);
      res.json({ code: 'OK', message: 'Success', clients: (await listClients(deps.knex)).map(view) });
    });

    router.post('/api/v1/clients', async (req: Request, res: Response) => {
      const operator = operatorOf(res);
      const body = CreateBody.parse(req.body ?? {});
      const unknown = body.scopes.filter((s) => s !== '*' && !isKnownScope(s));
      if (unknown.length > 0) throw new HttpError('invalid', 'UNKNOWN_SCOPE', `Unknown scopes: ${unknown.join(', ')}`);
      const { client, secret } = await createClient(deps.knex, { name: body.name, scopes: [...new Set(body.scopes)] });
      deps.logger.info('api client created', { client_id: client.clientId, operator_id: operator.id });
      const position = await recordAdminEvent(
        deps.store,
        adminStreams.apiClient(client.clientId),
        { type: 'ApiClientCreated', data: { clientId: client.clientId, name: client.name, scopes: [...client.scopes] } },
        ctxOf(req, res),
      );
      await settle(deps, position);
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json({ code: 'OK', message: 'Client created; its secret is shown only this once', ...view(client), client_secret: secret });
    });

    router.delete('/api/v1/clients/:client_id', async (req: Request, res: Response) => {
      const operator = operatorOf(res);
      const { client_id } = ClientParam.parse(req.params);
      if (!(await revokeClient(deps.knex, client_id))) throw new HttpError('not_found', 'CLIENT_NOT_FOUND', `No active API client ${client_id}`);
      deps.logger.info('api client revoked', { client_id, operator_id: operator.id });
      await settle(deps, await recordAdminEvent(deps.store, adminStreams.apiClient(client_id), { type: 'ApiClientRevoked', data: { clientId: client_id } }, ctxOf(req, res)));
      res.json({ code: 'OK', message: 'Client revoked' });
    });
  };
}
