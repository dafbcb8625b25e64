import type { Router } from 'express';
import type { Database } from '../../db/database';
import type { Projector } from '../../projections/projector';

/** GET /health: 200 when the database answers, with each projection's lag; 503 otherwise. */
export function healthRoutes(deps: { db: Pick<Database, 'pool'>; projector: Pick<Projector, 'status'> }) {
  return (router: Router) => {
    router.get('/health', async (_req, res) => {
      try {
        await deps.db.pool.query('select 1');
      } catch {
        res.status(503).json({ status: 'unavailable', database: 'unreachable' });
        return;
      }
      const projections = await deps.projector.status().catch(() => []);
      res.json({
        status: 'ok',
        database: 'ok',
        projections: projections.map((p) => ({ name: p.name, lag_events: p.lag_events, lag_seconds: p.lag_seconds, failed_events: p.failed_events })),
      });
    });
  };
}
