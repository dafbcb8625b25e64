import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { emptyCounts, importStream, type ImportCounts, type ImportEvent, type ImportIssueData } from '../../domain/import/events';
import type { ImportMode } from '../../domain/user/import';
import type { EventStore } from '../../eventstore/types';
import { createContext, type CommandContext, type ContextInput } from '../context';
import { toEventData } from '../handle';
import { ensureDefaults } from '../organizations';
import { commitImportBatch, prepareImportBatch, type BatchOutcome, type ParsedBatch } from './apply';
import { LookupCache } from './lookups';
import { DuplicateReport } from './duplicates';
import { openImport, validateFile, type ImportFormat, type ParseLimits } from './parse';
import type { ColumnMap } from './parse/column-map';
import type { FirebaseHashConfig } from './parse/firebase';

/**
 * An import job from a file on disk: validate the whole file first (a file error
 * applies nothing), then parse it in batches and apply each batch with one
 * multi-stream append. The job's own events (`import-<id>`) record its progress,
 * counts and error log. Used by `roster import` and by `POST /api/v1/imports`.
 */
export interface RunImportOptions {
  readonly importId?: string;
  readonly format?: ImportFormat;
  readonly mode?: ImportMode;
  readonly dryRun?: boolean;
  readonly fileName?: string;
  readonly limits?: ParseLimits;
  readonly batchSize?: number;
  /** `--map`: read a home-grown CSV through this column mapping. */
  readonly columnMap?: ColumnMap;
  /** Firebase: the project's password hash parameters. */
  readonly firebaseHashConfig?: FirebaseHashConfig;
  /** The migration this file belongs to (the dry run's duplicate report compares files of one migration). */
  readonly migration?: string;
  /**
   * Who runs the import (an admin client, the CLI…), named as the events' causation id; events are stamped
   * actor `import`, source `import` — unless an actor and source are given (an operator in the console).
   */
  readonly requestedBy?: Omit<ContextInput, 'actor' | 'source'> & { actorId?: string } & Partial<Pick<ContextInput, 'actor' | 'source'>>;
  /** true when POST /imports already appended ImportQueued. */
  readonly queued?: boolean;
  readonly onProgress?: (p: ImportProgress) => void;
}

export interface ImportProgress {
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly rowsRead: number;
  readonly counts: ImportCounts;
}

export interface ImportReport {
  readonly id: string;
  readonly status: 'completed' | 'failed';
  readonly format: ImportFormat | null;
  readonly mode: ImportMode;
  readonly dry_run: boolean;
  readonly progress: { bytes_read: number; total_bytes: number; rows_read: number };
  readonly counts: ImportCounts;
  /** File errors (status failed); every row error and warning is in runImport's `issues`, beside the report. */
  readonly errors: ImportIssueData[];
  readonly file_warnings: ImportIssueData[];
  /** Position of the last event written, to wait for projections. */
  readonly position: string | null;
}

export const newImportId = () => `imp_${randomBytes(10).toString('hex')}`;

function add(into: ImportCounts, delta: ImportCounts) {
  for (const k of Object.keys(into) as (keyof ImportCounts)[]) into[k] += delta[k];
}

/** Yields what `source` yields, asking it for the next item as soon as the current one is handed out. */
async function* prefetched<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  try {
    for (;;) {
      const r = await next;
      if (r.done) return;
      next = it.next();
      yield r.value;
    }
  } finally {
    // Stopped early (an error while applying): let the pending read settle, then close the source.
    await next.catch(() => undefined);
    await it.return?.();
  }
}

async function appendJobEvent(store: EventStore, importId: string, revision: number, event: ImportEvent, ctx: CommandContext) {
  const stream = importStream(importId);
  const r = await store.appendToStream(stream, toEventData(stream, revision + 1, [event], ctx), revision < 0 ? 'no_stream' : revision);
  return r.position;
}

export async function runImport(store: EventStore, path: string, options: RunImportOptions = {}): Promise<ImportReport & { issues: ImportIssueData[] }> {
  const importId = options.importId ?? newImportId();
  const mode = options.mode ?? 'merge';
  const dryRun = options.dryRun ?? false;
  const { actorId, actor, source, ...requested } = options.requestedBy ?? {};
  const ctx = createContext({ ...requested, actor: actor ?? { type: 'import', id: importId }, source: source ?? 'import', causationId: actorId });

  const counts = emptyCounts();
  const base = { id: importId, mode, dry_run: dryRun };
  const strip = (i: ImportIssueData & { byteOffset?: number }): ImportIssueData => ({ line: i.line, severity: i.severity, code: i.code, field: i.field, message: i.message, user_key: i.user_key });
  const rejected = (errors: ImportIssueData[], format: ImportFormat | null, bytes: number, rows: number, position: string | null) => ({
    ...base,
    status: 'failed' as const,
    format,
    progress: { bytes_read: bytes, total_bytes: bytes, rows_read: rows },
    counts,
    errors,
    file_warnings: [],
    position,
    issues: [] as ImportIssueData[],
  });

  // Pass 1: the whole file — checksum, size, UTF-8, format, header. A file error applies nothing.
  // `now`: a Supabase banned_until is compared with the job's own clock.
  const parseOptions = { columnMap: options.columnMap, firebaseHashConfig: options.firebaseHashConfig, now: new Date(ctx.occurredAt) };
  const validation = await validateFile(path, { format: options.format, limits: options.limits, ...parseOptions });

  let revision = -1;
  if (options.queued) {
    // Recorded by POST /imports (and possibly started before a crash): continue the job's stream.
    const recorded = await store.readStream(importStream(importId));
    revision = recorded.length - 1;
    if (!validation.ok) {
      const position = await appendJobEvent(store, importId, revision, { type: 'ImportFailed', data: { importId, errors: validation.errors.map(strip), counts } }, ctx);
      return rejected(validation.errors.map(strip), validation.format, validation.bytesRead, 0, position);
    }
  } else {
    // A rejected file records nothing at all (the CLI prints the report).
    if (!validation.ok) return rejected(validation.errors.map(strip), validation.format, validation.bytesRead, 0, null);
    await appendJobEvent(
      store,
      importId,
      revision,
      {
        type: 'ImportQueued',
        data: {
          importId,
          format: validation.format,
          mode,
          dryRun,
          ...(options.fileName ? { fileName: options.fileName } : {}),
          totalBytes: validation.bytesRead,
          ...(options.migration ? { migration: options.migration } : {}),
        },
      },
      ctx,
    );
    revision = 0;
  }

  const { defaultOrgCode } = await ensureDefaults(store, createContext({ actor: { type: 'system' }, source: 'system' }));
  const format = validation.format!;
  const fileWarnings = validation.warnings.map(strip);
  await appendJobEvent(
    store,
    importId,
    revision,
    {
      type: 'ImportStarted',
      data: { importId, format, checksum: validation.checksum, totalBytes: validation.bytesRead, columns: [...validation.columns], fileWarnings },
    },
    ctx,
  );
  revision += 1;

  // Pass 2: batches.
  const job = {
    importId,
    mode,
    dryRun,
    defaultOrgCode,
    ctx: { ...ctx, import: { id: importId, format, checksum: validation.checksum, ...(options.fileName ? { fileName: options.fileName } : {}), lines: [] } },
  };
  const cache = new LookupCache();
  const parse = await openImport(createReadStream(path), { format, limits: options.limits, batchSize: options.batchSize, ...parseOptions });
  // Only a dry run reports likely duplicates (a real import decides by its keys alone).
  const duplicates = dryRun ? new DuplicateReport(store, { importId, checksum: validation.checksum, migration: options.migration ?? null }) : null;
  const issues: ImportIssueData[] = [];
  let batchNo = 0;
  let rowsRead = 0;
  const record = (batch: ParsedBatch, outcome: BatchOutcome) => {
    revision = outcome.jobRevision;
    rowsRead = batch.rowsRead;
    add(counts, outcome.counts);
    issues.push(...outcome.issues);
    options.onProgress?.({ bytesRead: batch.bytesRead, totalBytes: validation.bytesRead, rowsRead, counts: { ...counts } });
  };
  // Pipelined: the next batch is parsed while this one is decided, and decided while
  // the previous one is written (appends stay one at a time, in file order; a batch
  // decided before the previous one committed is decided again if that one claimed
  // a key or changed a user it touches — commitImportBatch).
  let writing: { batch: ParsedBatch; outcome: Promise<BatchOutcome> } | undefined;
  try {
    for await (const parsed of prefetched(parse.batches())) {
      const batch = { ...(duplicates ? { ...parsed, records: await duplicates.annotate(parsed.records) } : parsed), batchNo: batchNo++ };
      const jobRevision = revision + (writing ? 1 : 0);
      const prepared = prepareImportBatch(store, job, cache, batch, jobRevision);
      prepared.catch(() => undefined);
      if (writing) record(writing.batch, await writing.outcome);
      writing = { batch, outcome: commitImportBatch(store, job, cache, batch, jobRevision, await prepared) };
    }
    if (writing) record(writing.batch, await writing.outcome);
  } catch (err) {
    // Stopped by an error: the append in flight settles before the error leaves (nothing is written behind the caller's back).
    await writing?.outcome.catch(() => undefined);
    throw err;
  }
  const summary = parse.summary();
  if (summary.errors.length || summary.checksum !== validation.checksum) {
    const errors = summary.errors.length
      ? summary.errors.map(strip)
      : [{ line: 0, severity: 'error' as const, code: 'INVALID_FIELD', field: null, message: 'The file changed while it was being imported', user_key: null }];
    const position = await appendJobEvent(store, importId, revision, { type: 'ImportFailed', data: { importId, errors, counts } }, ctx);
    return { ...rejected(errors, format, summary.bytesRead, rowsRead, position), issues };
  }
  const position = await appendJobEvent(store, importId, revision, { type: 'ImportCompleted', data: { importId, counts } }, ctx);
  return {
    ...base,
    status: 'completed',
    format,
    progress: { bytes_read: summary.bytesRead, total_bytes: validation.bytesRead, rows_read: rowsRead },
    counts,
    errors: [],
    file_warnings: fileWarnings,
    position,
    issues,
  };
}
