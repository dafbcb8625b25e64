import type { Express } from 'express';
import { createApp } from './http/app';
import { healthRoutes } from './http/routes/health';
import type { Runtime } from './runtime';

/** The whole HTTP surface, wired to a runtime. */
export function createServerApp(rt: Runtime): Express {
  return createApp({
    logger: rt.logger,
    routes: [healthRoutes({ db: rt.db, projector: rt.projector })],
  });
}
