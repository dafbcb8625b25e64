import { randomUUID } from 'node:crypto';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from '../logger';
import { errorHandler, notFoundHandler } from './errors';
import { inputGuard } from './input-guard';

/**
 * Builds the express app without listening (tests use it in-process; main.ts
 * listens). Route modules are plain functions that mount on a router.
 */
export interface AppDeps {
  readonly logger: Logger;
  /** Route modules, mounted in order at the root. */
  readonly routes: readonly ((router: Router) => void)[];
  readonly bodyLimit?: string;
  /**
   * Peers (IPs, CIDRs) whose X-Forwarded-For is believed for `req.ip` — the IP
   * in the audit log and the token endpoint's throttle. Unset or empty: never,
   * so a client cannot choose the address it is audited and throttled under.
   */
  readonly trustedProxies?: readonly string[];
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustedProxies?.length ? [...deps.trustedProxies] : false);
  app.set('query parser', 'simple');
  // Security headers on every response, errors included (nosniff, frame and referrer policies, CSP, HSTS…).
  app.use(helmet());

  // Request ids: honour a sane incoming X-Request-Id, else make one.
  app.use((req, res, next) => {
    const incoming = req.header('x-request-id');
    const id = incoming && /^[A-Za-z0-9._-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      deps.logger.debug('request', {
        request_id: id,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
    next();
  });

  const limit = deps.bodyLimit ?? '1mb';
  const json = express.json({ limit, type: ['application/json', 'application/*+json'] });
  // POST /api/v1/imports streams its own body: a Firebase or Keycloak export is one large JSON document.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- express's Request is the IncomingMessage body-parser expects
  app.use((req, res, next) => (req.method === 'POST' && req.path === '/api/v1/imports' ? next() : json(req, res, next)));
  app.use(express.urlencoded({ extended: false, limit }));
  // NUL, unpaired surrogates and deep nesting in a body or query: 400 before any route (input-guard.ts).
  app.use(inputGuard);

  const router = express.Router();
  for (const mount of deps.routes) mount(router);
  app.use(router);

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
