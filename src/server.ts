import type { Express, Router } from 'express';
import { EndpointRegistry, type ApiDeps } from './http/api';
import { createApp } from './http/app';
import { createAuth, type Auth } from './http/auth';
import { healthRoutes } from './http/routes/health';
import { oauthRoutes } from './http/routes/oauth';
import { openApiRoutes } from './http/routes/openapi';
import { apiRouteModules } from './http/routes/index';
import { auditRoutes } from './http/routes/audit';
import { importRoutes } from './http/routes/imports';
import { projectionRoutes } from './http/routes/projections';
import { signInRoutes } from './http/routes/sign-in';
import { webhookRoutes } from './http/routes/webhooks';
import type { WebhookDispatcher } from './webhooks/dispatcher';
import { createPostgresSignInLimiter, createSignInPacer } from './commands/sign-in';
import { createPostgresThrottle } from './db/throttle';
import { systemContext } from './commands/context';
import { ensureDefaults } from './commands/organizations';
import type { Runtime } from './runtime';
import { adminSessionRoutes } from './http/admin/session-routes';
import { adminStaticRoutes } from './http/admin/static';
import { apiAuthentication } from './http/admin/api-auth';
import { createSessions } from './operators/sessions';
import { clientRoutes } from './http/routes/clients';

export interface ServerApp extends Express {
  /** Resolves once the signing key, the first admin client and the defaults exist. */
  readonly ready: Promise<void>;
}

/**
 * The whole HTTP surface, wired to a runtime: /health, the OAuth2 token
 * endpoint and JWKS, the OpenAPI document, then everything under /api behind
 * bearer-token authentication (each route checks its own scope).
 */
export function createServerApp(rt: Runtime, options: { auth?: Auth; announce?: (line: string) => void; dispatcher?: WebhookDispatcher; webDist?: string } = {}): ServerApp {
  const auth = options.auth ?? createAuth({ knex: rt.db.knex, logger: rt.logger, adminClient: rt.config.adminClient, announce: options.announce, keyCipher: rt.keyCipher });
  const deps: ApiDeps = {
    store: rt.store,
    knex: rt.db.knex,
    projector: rt.projector,
    logger: rt.logger,
    trustedLocationHeader: rt.config.trustedLocationHeader,
  };
  const registry = new EndpointRegistry();
  const sessions = createSessions(rt.db.knex, rt.config.adminIdleMinutes);
  const app = createApp({
    logger: rt.logger,
    ...(rt.config.trustedProxies ? { trustedProxies: rt.config.trustedProxies } : {}),
    routes: [
      healthRoutes({ db: rt.db, projector: rt.projector }),
      oauthRoutes({
        auth,
        publicUrl: rt.config.publicUrl,
        // Failed client authentications per client id and per IP, in PostgreSQL like sign-in's.
        throttle: createPostgresThrottle(rt.db.knex, { scope: 'token', ...rt.config.tokenThrottle, onError: (err) => rt.logger.warn('token throttle update failed', { err }) }),
      }),
      openApiRoutes(registry),
      // The admin console: its session endpoints and its built files.
      adminSessionRoutes({
        knex: rt.db.knex,
        store: rt.store,
        passwords: rt.passwords,
        sessions,
        logger: rt.logger,
        publicUrl: rt.config.publicUrl,
        limiter: createPostgresSignInLimiter(rt.db.knex, { ...rt.config.signIn, onError: (err) => rt.logger.warn('operator sign-in limiter update failed', { err }) }),
      }),
      adminStaticRoutes({ webDist: options.webDist }),
      // Every /api route needs a valid bearer token or a console session; scopes are checked per route.
      (router: Router) => void router.use('/api', apiAuthentication({ bearer: auth.authenticate, sessions, publicUrl: rt.config.publicUrl })),
      ...apiRouteModules(deps, registry),
      importRoutes({ ...deps, jobs: rt.imports, maxFileBytes: rt.config.importMaxBytes }, registry),
      webhookRoutes({ ...deps, allowedHosts: rt.config.webhooks.allowedHosts, dispatcher: options.dispatcher }, registry),
      auditRoutes({ knex: rt.db.knex, store: rt.store }),
      clientRoutes(deps),
      projectionRoutes({ ...deps, projector: rt.projector }),
      signInRoutes(
        {
          store: rt.store,
          passwords: rt.passwords,
          bcryptCost: rt.config.bcryptCost,
          // Counts in PostgreSQL: every process on the database shares them, a restart keeps them.
          limiter: createPostgresSignInLimiter(rt.db.knex, { ...rt.config.signIn, onError: (err) => rt.logger.warn('sign-in limiter update failed', { err }) }),
          pacer: createSignInPacer(),
          trustedLocationHeader: rt.config.trustedLocationHeader,
        },
        registry,
      ),
    ],
  }) as ServerApp;
  // Defaults (the default organization, business settings) are idempotent; every process ensures them.
  const ready = Promise.all([auth.ready, ensureDefaults(rt.store, systemContext())]).then(() => undefined);
  ready.catch((err: unknown) => rt.logger.error('startup failed', { err }));
  Object.defineProperty(app, 'ready', { value: ready });
  return app;
}
