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
import { signInLimiterFromConfig } from './commands/sign-in';
import { systemContext } from './commands/context';
import { ensureDefaults } from './commands/organizations';
import type { Runtime } from './runtime';

export interface ServerApp extends Express {
  /** Resolves once the signing key, the first admin client and the defaults exist. */
  readonly ready: Promise<void>;
}

/**
 * The whole HTTP surface, wired to a runtime: /health, the OAuth2 token
 * endpoint and JWKS, the OpenAPI document, then everything under /api behind
 * bearer-token authentication (each route checks its own scope).
 */
export function createServerApp(rt: Runtime, options: { auth?: Auth; announce?: (line: string) => void; dispatcher?: WebhookDispatcher } = {}): ServerApp {
  const auth = options.auth ?? createAuth({ knex: rt.db.knex, logger: rt.logger, adminClient: rt.config.adminClient, announce: options.announce, keyCipher: rt.keyCipher });
  const deps: ApiDeps = {
    store: rt.store,
    knex: rt.db.knex,
    projector: rt.projector,
    logger: rt.logger,
    trustedLocationHeader: rt.config.trustedLocationHeader,
  };
  const registry = new EndpointRegistry();
  const app = createApp({
    logger: rt.logger,
    routes: [
      healthRoutes({ db: rt.db, projector: rt.projector }),
      oauthRoutes({ auth, publicUrl: rt.config.publicUrl }),
      openApiRoutes(registry),
      // Every /api route needs a valid bearer token; scopes are checked per route.
      (router: Router) => void router.use('/api', auth.authenticate),
      ...apiRouteModules(deps, registry),
      importRoutes({ ...deps, jobs: rt.imports, maxFileBytes: rt.config.importMaxBytes }, registry),
      webhookRoutes({ ...deps, allowedHosts: rt.config.webhooks.allowedHosts, dispatcher: options.dispatcher }, registry),
      auditRoutes({ knex: rt.db.knex, store: rt.store }),
      projectionRoutes({ projector: rt.projector, logger: rt.logger }),
      signInRoutes(
        { store: rt.store, passwords: rt.passwords, bcryptCost: rt.config.bcryptCost, limiter: signInLimiterFromConfig(rt.config.signIn), trustedLocationHeader: rt.config.trustedLocationHeader },
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
