import type { ImportEvent } from '../../domain/import/events';
import { importEventSchemas } from '../../domain/import/events';
import { assertNever } from '../../domain/shared';
import type { Projection } from '../projection';
import { eventTime } from '../support';

/**
 * Import jobs and their error logs, from the `import-<id>` streams: one row per
 * job (status, progress, counts), one row per error or warning, and the original
 * text of every failed row (for the failed-rows file you fix and re-import).
 * A job restarted after a crash starts its counts and log afresh (ImportStarted).
 */
const TYPES = new Set(Object.keys(importEventSchemas));
const COUNT_COLUMNS = ['rows', 'rows_failed', 'rows_with_warnings', 'users_created', 'users_updated', 'users_unchanged', 'users_skipped'] as const;

export const importsProjection: Projection = {
  name: 'imports',
  version: 1,
  tables: ['imports', 'import_issues', 'import_failed_rows'],
  async setup(db, t) {
    await db.schema.createTable(t('imports'), (table) => {
      table.text('id').primary();
      table.bigInteger('last_revision').notNullable();
      table.text('status').notNullable();
      table.text('format');
      table.text('mode').notNullable();
      table.boolean('dry_run').notNullable();
      table.text('file_name');
      table.text('checksum');
      table.jsonb('columns');
      table.jsonb('file_warnings');
      table.jsonb('file_errors');
      table.bigInteger('bytes_read').notNullable().defaultTo(0);
      table.bigInteger('total_bytes');
      table.bigInteger('rows_read').notNullable().defaultTo(0);
      for (const c of COUNT_COLUMNS) table.bigInteger(c).notNullable().defaultTo(0);
      table.text('created_on').notNullable();
      table.text('started_on');
      table.text('finished_on');
      table.text('requested_by');
    });
    await db.raw('create index ?? on ?? (created_on desc, id desc)', [`${t('imports')}_created_idx`, t('imports')]);
    await db.schema.createTable(t('import_issues'), (table) => {
      table.text('import_id').notNullable();
      table.bigInteger('seq').notNullable();
      table.integer('line').notNullable();
      table.text('severity').notNullable();
      table.text('code').notNullable();
      table.text('field');
      table.text('message').notNullable();
      table.text('user_key');
      table.primary(['import_id', 'seq']);
    });
    await db.raw('create index ?? on ?? (import_id, severity, seq)', [`${t('import_issues')}_sev_idx`, t('import_issues')]);
    await db.schema.createTable(t('import_failed_rows'), (table) => {
      table.text('import_id').notNullable();
      table.integer('line').notNullable();
      table.text('text').notNullable();
      table.jsonb('fields');
      table.primary(['import_id', 'line']);
    });
  },
  async apply(db, events, t) {
    for (const recorded of events) {
      if (!recorded.streamId.startsWith('import-') || !TYPES.has(recorded.type)) continue;
      const event = { type: recorded.type, data: recorded.data } as ImportEvent;
      const id = event.data.importId;
      // Replaying an event already applied changes nothing.
      const row = await db<{ id: string; last_revision: number | string }>(t('imports')).where({ id }).first('last_revision');
      if (row && Number(row.last_revision) >= recorded.revision) continue;
      const job = db(t('imports')).where({ id });
      switch (event.type) {
        case 'ImportQueued':
          await db(t('imports'))
            .insert({
              id,
              last_revision: recorded.revision,
              status: 'queued',
              format: event.data.format,
              mode: event.data.mode,
              dry_run: event.data.dryRun,
              file_name: event.data.fileName ?? null,
              total_bytes: event.data.totalBytes,
              created_on: eventTime(recorded),
              requested_by: recorded.metadata.causationId ?? null,
            })
            .onConflict('id')
            .ignore();
          break;
        case 'ImportStarted':
          await db(t('import_issues')).where({ import_id: id }).delete();
          await db(t('import_failed_rows')).where({ import_id: id }).delete();
          await job.update({
            last_revision: recorded.revision,
            status: 'running',
            format: event.data.format,
            checksum: event.data.checksum,
            total_bytes: event.data.totalBytes,
            columns: JSON.stringify(event.data.columns),
            file_warnings: JSON.stringify(event.data.fileWarnings),
            started_on: eventTime(recorded),
            bytes_read: 0,
            rows_read: 0,
            ...Object.fromEntries(COUNT_COLUMNS.map((c) => [c, 0])),
          });
          if (event.data.fileWarnings.length) await insertIssues(db, t('import_issues'), id, recorded.revision, event.data.fileWarnings);
          break;
        case 'ImportBatchProcessed': {
          const d = event.data;
          const increments: Record<string, unknown> = {};
          for (const c of COUNT_COLUMNS) increments[c] = db.raw('?? + ?', [c, d.counts[c]]);
          await job.update({ last_revision: recorded.revision, bytes_read: d.bytesRead, rows_read: d.rowsRead, ...increments });
          await insertIssues(db, t('import_issues'), id, recorded.revision, d.issues);
          if (d.failedRows.length) {
            await db(t('import_failed_rows'))
              .insert(d.failedRows.map((r) => ({ import_id: id, line: r.line, text: r.text, fields: r.fields ? JSON.stringify(r.fields) : null })))
              .onConflict(['import_id', 'line'])
              .ignore();
          }
          break;
        }
        case 'ImportCompleted':
          await job.update({ last_revision: recorded.revision, status: 'completed', finished_on: eventTime(recorded), bytes_read: db.ref('total_bytes') });
          break;
        case 'ImportFailed':
          await job.update({ last_revision: recorded.revision, status: 'failed', finished_on: eventTime(recorded), file_errors: JSON.stringify(event.data.errors) });
          await insertIssues(db, t('import_issues'), id, recorded.revision, event.data.errors);
          break;
        case 'ImportDeleted':
          await db(t('import_issues')).where({ import_id: id }).delete();
          await db(t('import_failed_rows')).where({ import_id: id }).delete();
          await job.delete();
          break;
        default:
          assertNever(event, 'import event');
      }
    }
  },
};

async function insertIssues(
  db: Parameters<Projection['apply']>[0],
  table: string,
  importId: string,
  revision: number,
  issues: readonly { line: number; severity: string; code: string; field: string | null; message: string; user_key: string | null }[],
) {
  // seq orders issues by the event that reported them, then by position in it.
  for (let i = 0; i < issues.length; i += 1000) {
    const rows = issues.slice(i, i + 1000).map((x, j) => ({
      import_id: importId,
      seq: revision * 1_000_000 + i + j,
      line: x.line,
      severity: x.severity,
      code: x.code,
      field: x.field,
      message: x.message,
      user_key: x.user_key,
    }));
    await db(table).insert(rows).onConflict(['import_id', 'seq']).ignore();
  }
}
