import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { createContext, type CommandContext } from '../commands/context';
import type { Position } from '../eventstore/types';
import type { Logger } from '../logger';
import type { Projector } from '../projections/projector';
import { principalOf, requireScope, type Principal } from './auth';
import { HttpError } from './errors';

/**
 * The small frame every API route module uses: an endpoint is a method, a path,
 * a scope, zod schemas for params/query/body (parsed at the edge, unknown keys
 * rejected or stripped), and a handler that returns the response body. The same
 * definitions feed GET /api/v1/openapi.json.
 */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface EndpointInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly principal: Principal;
  /** Command metadata (actor = the API client, source `api`, ip, user agent), built once per request. */
  readonly ctx: CommandContext;
  readonly req: Request;
  readonly res: Response;
}

// The defaults are `any` so that endpoints with different schemas share one array (handler parameters are contravariant).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Endpoint<P = any, Q = any, B = any> {
  readonly method: Method;
  /** Express-style path (`/api/v1/users/:user_id`). */
  readonly path: string;
  readonly scope: string;
  readonly summary: string;
  readonly operationId?: string;
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  /** Response schema for the OpenAPI document (documentation only). */
  readonly response?: z.ZodType;
  readonly status?: number;
  /** Returns the response body, or a promise of it. */
  readonly handler: (input: EndpointInput<P, Q, B>) => unknown;
}

export function endpoint<P = Record<string, never>, Q = Record<string, never>, B = undefined>(e: Endpoint<P, Q, B>): Endpoint<P, Q, B> {
  return e;
}

/** Everything a route module needs from the runtime. */
export interface ApiDeps {
  readonly store: import('../eventstore/types').EventStore;
  readonly knex: import('knex').Knex;
  readonly projector: Pick<Projector, 'waitFor'>;
  readonly logger: Logger;
  readonly trustedLocationHeader?: string;
  /** How long a write waits for the read models to catch up (read-your-writes). */
  readonly readYourWritesMs?: number;
}

export function contextFrom(req: Request, res: Response, principal: Principal, trustedLocationHeader?: string): CommandContext {
  const ua = req.header('user-agent');
  const location = trustedLocationHeader ? req.header(trustedLocationHeader) : undefined;
  return createContext({
    // A console operator's actions are audited as theirs, from the admin console.
    ...(principal.operator
      ? { actor: { type: 'operator' as const, id: principal.operator.id }, source: 'admin' as const }
      : { actor: { type: 'api_client' as const, id: principal.clientId }, source: 'api' as const }),
    ...(req.ip ? { ip: req.ip } : {}),
    ...(ua ? { userAgent: ua.slice(0, 512) } : {}),
    ...(location ? { location: location.slice(0, 200) } : {}),
    ...(typeof res.locals.requestId === 'string' ? { correlationId: res.locals.requestId } : {}),
  });
}

/** Read-your-writes: the response of a write leaves only once the projections have the write. */
export async function settle(deps: Pick<ApiDeps, 'projector' | 'logger' | 'readYourWritesMs'>, ...positions: (Position | null | undefined)[]): Promise<void> {
  for (const p of positions) {
    if (!p) continue;
    const reached = await deps.projector.waitFor(p, deps.readYourWritesMs ?? 5000);
    if (!reached) deps.logger.warn('projections did not reach a write in time', { position: p });
  }
}

/** Registered endpoints, for the OpenAPI document. */
export class EndpointRegistry {
  readonly endpoints: Endpoint[] = [];
}

export function mount(router: Router, deps: Pick<ApiDeps, 'trustedLocationHeader'>, registry: EndpointRegistry | undefined, endpoints: readonly Endpoint[]): void {
  for (const e of endpoints) {
    registry?.endpoints.push(e);
    router[e.method](e.path, requireScope(e.scope), async (req, res) => {
      const principal = principalOf(res);
      const params: unknown = e.params ? e.params.parse(req.params) : {};
      const query: unknown = e.query ? e.query.parse(req.query ?? {}) : {};
      let body: unknown = undefined;
      if (e.body) {
        const sent: unknown = req.body;
        const raw = sent === undefined || (typeof sent === 'object' && sent !== null && Object.keys(sent).length === 0 && !req.is('application/json')) ? {} : sent;
        body = e.body.parse(raw);
      }
      const out = await e.handler({ params, query, body, principal, ctx: contextFrom(req, res, principal, deps.trustedLocationHeader), req, res } as EndpointInput<unknown, unknown, unknown>);
      if (res.headersSent) return;
      res.status(e.status ?? 200).json(out ?? success());
    });
  }
}

export function success(message = 'Success', code = 'OK') {
  return { code, message };
}

export const notFound = (code: string, what: string) => new HttpError('not_found', code, `${what} not found`);

// ---- shared zod pieces -------------------------------------------------------------------

/** A boolean query parameter (`true`/`false`). */
export const queryBool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const pageSize = (max = 500, dflt = 10) => z.coerce.number().int().min(1).max(max).default(dflt);

/** Comma-separated query lists, trimmed, empties dropped. */
export const csv = z
  .string()
  .max(10_000)
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
