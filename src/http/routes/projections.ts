import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { recordAdminEvent } from '../../commands/admin-events';
import { adminStreams } from '../../domain/admin/events';
import type { EventStore } from '../../eventstore/types';
import type { Logger } from '../../logger';
import type { Projector } from '../../projections/projector';
import { contextFrom } from '../api';
import { principalOf, requireScope } from '../auth';
import { HttpError } from '../errors';

/**
 *   GET  /api/v1/projections                  each projection's checkpoint, lag (events, seconds), failed events
 *   POST /api/v1/projections/{name}/rebuild   builds a new generation beside the live one, then swaps;
 *                                             202 at once, or 200 when done with `?wait=true`
 */
export interface ProjectionRouteDeps {
  readonly projector: Pick<Projector, 'status' | 'rebuild' | 'projections'>;
  readonly logger: Logger;
  /** Where a rebuild asked for is recorded (ProjectionRebuildRequested on `system-projections`), for the audit log. */
  readonly store: EventStore;
  readonly trustedLocationHeader?: string;
}

const RebuildQuery = z.object({ wait: z.enum(['true', 'false']).optional() }).strict();
const NameParam = z.object({ name: z.string().min(1).max(100) });

export function projectionRoutes(deps: ProjectionRouteDeps) {
  const { projector, logger } = deps;
  return (router: Router) => {
    router.get('/api/v1/projections', requireScope('read:projections'), async (_req: Request, res: Response) => {
      res.json({ code: 'OK', message: 'Success', projections: await projector.status() });
    });

    router.post('/api/v1/projections/:name/rebuild', requireScope('update:projections'), async (req: Request, res: Response) => {
      const { name } = NameParam.parse(req.params);
      const { wait } = RebuildQuery.parse(req.query);
      const projection = projector.projections.find((p) => p.name === name);
      if (!projection) throw new HttpError('not_found', 'PROJECTION_NOT_FOUND', `No projection named ${name}`);
      const status = (await projector.status()).find((s) => s.name === name);
      if (status?.rebuilding) throw new HttpError('conflict', 'PROJECTION_REBUILDING', `Projection ${name} is already rebuilding`);
      if (status && !status.running_here) throw new HttpError('conflict', 'PROJECTION_NOT_RUNNING_HERE', `Projection ${name} is applied by another process; ask that one`);
      const ctx = contextFrom(req, res, principalOf(res), deps.trustedLocationHeader);
      // Recorded before the rebuild starts: a rebuilt audit log includes its own rebuild.
      await recordAdminEvent(deps.store, adminStreams.projections(), { type: 'ProjectionRebuildRequested', data: { projection: name, version: projection.version } }, ctx);
      const rebuild = projector.rebuild(name);
      if (wait === 'true') {
        await rebuild;
        const after = (await projector.status()).find((s) => s.name === name);
        res.json({ code: 'OK', message: 'Rebuilt', projection: after });
        return;
      }
      rebuild.catch((err: unknown) => logger.error('projection rebuild failed', { projection: name, err }));
      res.status(202).json({ code: 'ACCEPTED', message: 'Rebuild started', projection: { name, version: projection.version, rebuilding: true } });
    });
  };
}
