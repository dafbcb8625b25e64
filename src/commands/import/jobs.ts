import fs from 'node:fs';
import path from 'node:path';
import { importStream, type ImportEvent } from '../../domain/import/events';
import type { ImportMode } from '../../domain/user/import';
import type { EventStore } from '../../eventstore/types';
import type { Logger } from '../../logger';
import { createContext, type ContextInput } from '../context';
import { toEventData } from '../handle';
import type { ImportFormat, ParseLimits } from './parse';
import type { ColumnMap } from './parse/column-map';
import type { FirebaseHashConfig } from './parse/firebase';
import { runImport, type ImportReport } from './run';

/**
 * Import jobs accepted over HTTP. The uploaded file is spooled under
 * `<dataDir>/imports/<id>` and the job recorded (ImportQueued) before the 202
 * answer, then jobs run one at a time in this process. Nothing accepted is lost:
 * at start-up, jobs still queued or interrupted mid-run are run again from their
 * spooled file — imports are idempotent, so a re-run appends only what is missing.
 */
export interface ImportJobs {
  /** Record a job for a spooled file and queue it. */
  submit(spooled: string, options: SubmitOptions): Promise<{ id: string; position: string }>;
  /** Jobs queued or running when the last process stopped. */
  resumePending(): Promise<number>;
  /** The spool path for a new upload. */
  spoolPath(id: string): string;
  /** Remove a job's spooled file (after DELETE /imports/{id}). */
  discard(id: string): void;
  /** Resolves when the queue is empty (tests, shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface SubmitOptions {
  readonly importId: string;
  readonly format?: ImportFormat;
  readonly mode: ImportMode;
  readonly dryRun: boolean;
  readonly fileName?: string;
  readonly totalBytes: number;
  readonly migration?: string;
  readonly columnMap?: ColumnMap;
  readonly firebaseHashConfig?: FirebaseHashConfig;
  readonly requestedBy: Omit<ContextInput, 'actor' | 'source'> & { actorId?: string } & Partial<Pick<ContextInput, 'actor' | 'source'>>;
}

export function createImportJobs(deps: { store: EventStore; dataDir: string; logger: Logger; limits?: ParseLimits; onFinished?: (report: ImportReport) => void }): ImportJobs {
  const dir = path.join(deps.dataDir, 'imports');
  fs.mkdirSync(dir, { recursive: true });
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;

  const enqueue = (id: string, run: () => Promise<void>) => {
    chain = chain.then(async () => {
      if (stopped) return;
      try {
        await run();
      } catch (err) {
        deps.logger.error('import job failed', { import_id: id, err });
      }
    });
  };

  const start = (id: string, options: Omit<SubmitOptions, 'importId' | 'totalBytes'>) =>
    enqueue(id, async () => {
      const file = path.join(dir, id);
      const report = await runImport(deps.store, file, {
        importId: id,
        queued: true,
        format: options.format,
        mode: options.mode,
        dryRun: options.dryRun,
        fileName: options.fileName,
        migration: options.migration,
        columnMap: options.columnMap,
        firebaseHashConfig: options.firebaseHashConfig,
        limits: deps.limits,
        requestedBy: options.requestedBy,
      });
      deps.logger.info('import finished', { import_id: id, status: report.status, counts: report.counts });
      deps.onFinished?.(report);
    });

  // How to read a spooled file (--map, Firebase hash parameters) lives beside it, not in the
  // event log: the signer key is a secret. Read again when an interrupted job resumes.
  const optionsPath = (id: string) => path.join(dir, `${id}.options.json`);
  const readParseOptions = (id: string): Pick<SubmitOptions, 'columnMap' | 'firebaseHashConfig'> => {
    try {
      return JSON.parse(fs.readFileSync(optionsPath(id), 'utf8')) as Pick<SubmitOptions, 'columnMap' | 'firebaseHashConfig'>;
    } catch {
      return {};
    }
  };

  return {
    spoolPath: (id) => path.join(dir, id),
    async submit(spooled, options) {
      const id = options.importId;
      if (spooled !== path.join(dir, id)) fs.renameSync(spooled, path.join(dir, id));
      if (options.columnMap || options.firebaseHashConfig) {
        fs.writeFileSync(optionsPath(id), JSON.stringify({ columnMap: options.columnMap, firebaseHashConfig: options.firebaseHashConfig }), { mode: 0o600 });
      }
      const { actorId, actor, source, ...requested } = options.requestedBy;
      const ctx = createContext({ ...requested, actor: actor ?? { type: 'import', id }, source: source ?? 'import', causationId: actorId });
      const stream = importStream(id);
      const queued: ImportEvent = {
        type: 'ImportQueued',
        data: {
          importId: id,
          format: options.format ?? null,
          mode: options.mode,
          dryRun: options.dryRun,
          ...(options.fileName ? { fileName: options.fileName } : {}),
          totalBytes: options.totalBytes,
          ...(options.migration ? { migration: options.migration } : {}),
        },
      };
      const r = await deps.store.appendToStream(stream, toEventData(stream, 0, [queued], ctx), 'no_stream');
      start(id, options);
      return { id, position: r.position };
    },
    async resumePending() {
      let resumed = 0;
      for (const id of fs.readdirSync(dir)) {
        if (!/^imp_[0-9a-f]+$/.test(id)) continue;
        const events = await deps.store.readStream(importStream(id));
        const first = events[0];
        const last = events.at(-1);
        if (!first || first.type !== 'ImportQueued' || !last || ['ImportCompleted', 'ImportFailed', 'ImportDeleted'].includes(last.type)) continue;
        const q = first.data as { format: ImportFormat | null; mode: ImportMode; dryRun: boolean; fileName?: string; migration?: string };
        deps.logger.info('resuming an interrupted import', { import_id: id });
        // The job goes on as whoever queued it (an operator stays the actor).
        const { actor, source, causationId } = first.metadata;
        const requestedBy = { actor, source, ...(causationId ? { actorId: causationId } : {}) };
        start(id, { format: q.format ?? undefined, mode: q.mode, dryRun: q.dryRun, fileName: q.fileName, migration: q.migration, ...readParseOptions(id), requestedBy });
        resumed++;
      }
      return resumed;
    },
    discard(id) {
      fs.rmSync(path.join(dir, id), { force: true });
      fs.rmSync(optionsPath(id), { force: true });
    },
    idle: () => chain,
    async stop() {
      stopped = true;
      await chain;
    },
  };
}
