import type { Request, Response, Router } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { EventStore } from '../../eventstore/types';
import { exportCsv, exportNdjson, listAuditLog, userActivity, verifyAuditChain, type AuditVerification } from '../../projections/audit/queries';
import { policyAcceptances } from '../../projections/users/policy-acceptances';
import { requireScope } from '../auth';

/**
 * Roster's audit and compliance routes:
 *   GET /api/v1/audit_log                      filters + keyset pages, newest first
 *   GET /api/v1/audit_log/export?format=…      everything that matches, streamed (NDJSON or CSV)
 *   GET /api/v1/audit_log/verify               the hash chain recomputed (as `roster audit verify`)
 *   GET /api/v1/users/{user_id}/activity       the per-user log with sign-in statistics
 *   GET /api/v1/policy_acceptances             who has / has not accepted the current policy
 * (User time travel `GET /api/v1/user?as_of=` and role holders `?as_of=` are served by
 * the Management API routes with userAsOf / roleHoldersAsOf.)
 */
export interface AuditRouteDeps {
  readonly knex: Knex;
  readonly store?: EventStore;
}

const Filter = z
  .object({
    user_id: z.string().max(100).optional(),
    org_code: z.string().max(100).optional(),
    type: z.string().max(100).optional(),
    actor_id: z.string().max(200).optional(),
    ip: z.string().max(100).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
const Page = z.object({ page_size: z.coerce.number().int().min(1).max(500).optional(), next_token: z.string().max(500).optional() });
const ListQuery = Filter.extend(Page.shape).strict();
const ExportQuery = Filter.extend({ format: z.enum(['ndjson', 'csv']).default('ndjson') }).strict();
const ActivityQuery = Page.strict();
const UserParam = z.object({ user_id: z.string().min(1).max(100) });
const PolicyQuery = z
  .object({ policy: z.enum(['terms', 'privacy']), status: z.enum(['accepted', 'missing']).default('missing') })
  .extend(Page.shape)
  .strict();

/** Writes an async iterable of text with backpressure; a failure after the first byte aborts the response. */
async function streamText(res: Response, chunks: AsyncIterable<string>) {
  try {
    for await (const chunk of chunks) {
      if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
      if (res.destroyed) return;
    }
    res.end();
  } catch (err) {
    if (!res.headersSent) throw err;
    res.destroy(err as Error);
  }
}

export function auditRoutes(deps: AuditRouteDeps) {
  const { knex } = deps;
  return (router: Router) => {
    router.get('/api/v1/audit_log', requireScope('read:audit'), async (req: Request, res: Response) => {
      const q = ListQuery.parse(req.query);
      res.json(await listAuditLog(knex, q));
    });

    router.get('/api/v1/audit_log/export', requireScope('read:audit'), async (req: Request, res: Response) => {
      const { format, ...filter } = ExportQuery.parse(req.query);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      res.status(200);
      res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="audit-log-${stamp}.${format}"`);
      res.setHeader('Cache-Control', 'no-store');
      await streamText(res, format === 'csv' ? exportCsv(knex, filter) : exportNdjson(knex, filter));
    });

    // The chain's verification reads the whole log: one run at a time, its answer reused for a minute.
    let verification: { at: number; result: Promise<AuditVerification> } | undefined;
    router.get('/api/v1/audit_log/verify', requireScope('read:audit'), async (_req: Request, res: Response) => {
      if (!verification || Date.now() - verification.at > 60_000) {
        const result = verifyAuditChain(knex);
        verification = { at: Date.now(), result };
        result.catch(() => (verification = undefined));
      }
      res.setHeader('Cache-Control', 'no-store');
      res.json(await verification.result);
    });

    router.get('/api/v1/users/:user_id/activity', requireScope('read:audit'), async (req: Request, res: Response) => {
      const { user_id } = UserParam.parse(req.params);
      res.json(await userActivity(knex, user_id, ActivityQuery.parse(req.query)));
    });

    router.get('/api/v1/policy_acceptances', requireScope('read:users'), async (req: Request, res: Response) => {
      const { policy, status, ...page } = PolicyQuery.parse(req.query);
      res.json(await policyAcceptances(knex, policy, status, page));
    });
  };
}
