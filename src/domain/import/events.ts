import { z } from 'zod';
import type { DomainEvent } from '../shared';

/**
 * Events of an import job, on stream `import-<id>`. The job's report and its
 * error log are projections of these, so they are kept until the job is deleted
 * and can be rebuilt like every other view.
 */
export const IMPORT_FORMATS = ['csv', 'kinde_ndjson', 'auth0', 'auth0_passwords', 'firebase', 'keycloak', 'supabase', 'clerk', 'cognito'] as const;
export const IMPORT_MODES = ['merge', 'update', 'create_only'] as const;

export const ImportCountsSchema = z.object({
  rows: z.number().int().nonnegative(),
  rows_failed: z.number().int().nonnegative(),
  rows_with_warnings: z.number().int().nonnegative(),
  users_created: z.number().int().nonnegative(),
  users_updated: z.number().int().nonnegative(),
  users_unchanged: z.number().int().nonnegative(),
  users_skipped: z.number().int().nonnegative(),
});
export type ImportCounts = z.infer<typeof ImportCountsSchema>;
export const emptyCounts = (): ImportCounts => ({
  rows: 0,
  rows_failed: 0,
  rows_with_warnings: 0,
  users_created: 0,
  users_updated: 0,
  users_unchanged: 0,
  users_skipped: 0,
});

export const ImportIssueSchema = z.object({
  line: z.number().int().nonnegative(),
  severity: z.enum(['error', 'warning']),
  code: z.string(),
  field: z.string().nullable(),
  message: z.string(),
  user_key: z.string().nullable(),
});
export type ImportIssueData = z.infer<typeof ImportIssueSchema>;

/** The original text of a failed row, so the failed-rows file can be written back in the file's own format. */
export const FailedRowSchema = z.object({ line: z.number().int(), text: z.string(), fields: z.array(z.string()).optional() });

export const ImportQueuedData = z.object({
  importId: z.string(),
  format: z.enum(IMPORT_FORMATS).nullable(),
  mode: z.enum(IMPORT_MODES),
  dryRun: z.boolean(),
  fileName: z.string().optional(),
  totalBytes: z.number().int().nonnegative().nullable(),
  /** The migration the job belongs to (duplicate report: the same id in two files of one migration). */
  migration: z.string().optional(),
});
export const ImportStartedData = z.object({
  importId: z.string(),
  format: z.enum(IMPORT_FORMATS),
  checksum: z.string(),
  totalBytes: z.number().int().nonnegative(),
  columns: z.array(z.string()),
  fileWarnings: z.array(ImportIssueSchema),
});
export const ImportBatchProcessedData = z.object({
  importId: z.string(),
  batch: z.number().int().nonnegative(),
  rowsRead: z.number().int().nonnegative(),
  bytesRead: z.number().int().nonnegative(),
  counts: ImportCountsSchema,
  issues: z.array(ImportIssueSchema),
  failedRows: z.array(FailedRowSchema),
});
export const ImportCompletedData = z.object({ importId: z.string(), counts: ImportCountsSchema });
export const ImportFailedData = z.object({
  importId: z.string(),
  errors: z.array(ImportIssueSchema),
  counts: ImportCountsSchema,
});
export const ImportDeletedData = z.object({ importId: z.string() });

export const importEventSchemas = {
  ImportQueued: ImportQueuedData,
  ImportStarted: ImportStartedData,
  ImportBatchProcessed: ImportBatchProcessedData,
  ImportCompleted: ImportCompletedData,
  ImportFailed: ImportFailedData,
  ImportDeleted: ImportDeletedData,
} as const;

type Schemas = typeof importEventSchemas;
export type ImportEventType = keyof Schemas;
export type ImportEvent = { [K in ImportEventType]: DomainEvent<K, z.infer<Schemas[K]>> }[ImportEventType];

export const importStream = (importId: string) => `import-${importId}`;
