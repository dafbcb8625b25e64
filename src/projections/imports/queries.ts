import type { Knex } from 'knex';
import { viewName } from '../projection';
import { decodeToken, encodeToken } from '../support';
import { importsProjection } from './projection';

/** Queries over the imports read model, in the HTTP API's shapes. */
const IMPORTS = viewName(importsProjection, 'imports');
const ISSUES = viewName(importsProjection, 'import_issues');
const FAILED = viewName(importsProjection, 'import_failed_rows');

export interface ImportView {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  format: string | null;
  mode: string;
  dry_run: boolean;
  file_name: string | null;
  progress: { bytes_read: number; total_bytes: number | null; rows_read: number };
  counts: { rows: number; rows_failed: number; rows_with_warnings: number; users_created: number; users_updated: number; users_unchanged: number; users_skipped: number };
  file_warnings: unknown[];
  file_errors: unknown[];
  /** CSV: the header as written (for the failed-rows file). */
  columns: string[];
  created_on: string;
  finished_on: string | null;
}

/** A row of the imports table (bigint counters arrive as strings). */
interface ImportRow {
  id: string;
  status: ImportView['status'];
  format: string | null;
  mode: string;
  dry_run: boolean;
  file_name: string | null;
  bytes_read: string | number;
  total_bytes: string | number | null;
  rows_read: string | number;
  rows: string | number;
  rows_failed: string | number;
  rows_with_warnings: string | number;
  users_created: string | number;
  users_updated: string | number;
  users_unchanged: string | number;
  users_skipped: string | number;
  file_warnings: unknown[] | null;
  file_errors: unknown[] | null;
  columns: string[] | null;
  created_on: string;
  finished_on: string | null;
}

interface IssueRow {
  import_id: string;
  seq: string | number;
  line: number;
  severity: 'error' | 'warning';
  code: string;
  field: string | null;
  message: string;
  user_key: string | null;
}

interface FailedRow {
  import_id: string;
  line: number;
  text: string;
  fields: string[] | null;
}

function toView(r: ImportRow): ImportView {
  return {
    id: r.id,
    status: r.status,
    format: r.format,
    mode: r.mode,
    dry_run: r.dry_run,
    file_name: r.file_name,
    progress: { bytes_read: Number(r.bytes_read), total_bytes: r.total_bytes === null ? null : Number(r.total_bytes), rows_read: Number(r.rows_read) },
    counts: {
      rows: Number(r.rows),
      rows_failed: Number(r.rows_failed),
      rows_with_warnings: Number(r.rows_with_warnings),
      users_created: Number(r.users_created),
      users_updated: Number(r.users_updated),
      users_unchanged: Number(r.users_unchanged),
      users_skipped: Number(r.users_skipped),
    },
    file_warnings: r.file_warnings ?? [],
    file_errors: r.file_errors ?? [],
    columns: r.columns ?? [],
    created_on: r.created_on,
    finished_on: r.finished_on,
  };
}

export async function getImport(knex: Knex, id: string): Promise<ImportView | undefined> {
  const row = await knex<ImportRow>(IMPORTS).where({ id }).first();
  return row ? toView(row) : undefined;
}

/** Newest first, keyset-paginated. */
export async function listImports(knex: Knex, opts: { pageSize: number; nextToken?: string }) {
  const after = decodeToken(opts.nextToken, 2) as [string, string] | undefined;
  const q = knex<ImportRow>(IMPORTS)
    .orderBy([
      { column: 'created_on', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(opts.pageSize + 1);
  if (after) q.whereRaw('(created_on, id) < (?, ?)', after);
  const rows = await q;
  const page = rows.slice(0, opts.pageSize);
  const last = page.at(-1);
  return { imports: page.map(toView), next_token: rows.length > opts.pageSize && last ? encodeToken([last.created_on, last.id]) : null };
}

export async function listImportIssues(knex: Knex, id: string, opts: { severity?: 'error' | 'warning'; pageSize: number; nextToken?: string }) {
  const after = decodeToken(opts.nextToken, 1)?.[0] as number | undefined;
  const q = knex<IssueRow>(ISSUES)
    .where({ import_id: id })
    .orderBy('seq')
    .limit(opts.pageSize + 1);
  if (opts.severity) q.andWhere({ severity: opts.severity });
  if (after !== undefined) q.andWhere('seq', '>', after);
  const rows = await q;
  const page = rows.slice(0, opts.pageSize);
  return {
    errors: page.map((r) => ({ line: r.line, severity: r.severity, code: r.code, field: r.field, message: r.message, user_key: r.user_key })),
    next_token: rows.length > opts.pageSize ? encodeToken([Number(page.at(-1)!.seq)]) : null,
  };
}

export interface FailedRowIssue<Code extends string = string> {
  line: number;
  severity: 'error';
  /** One of the parser's ImportIssueCode values (src/commands/import/parse/issues.ts), as the events recorded it. */
  code: Code;
  field: string | null;
  message: string;
  user_key: string | null;
}

/** The failed rows with their errors, in line order, streamed in pages. */
export async function* failedRowsWithErrors<Code extends string = string>(
  knex: Knex,
  id: string,
): AsyncGenerator<{ line: number; text: string; fields: string[] | null; errors: FailedRowIssue<Code>[] }> {
  let after = 0;
  for (;;) {
    const rows = await knex<FailedRow>(FAILED).where({ import_id: id }).andWhere('line', '>', after).orderBy('line').limit(1000).select('line', 'text', 'fields');
    if (!rows.length) return;
    const issues = await knex<IssueRow>(ISSUES)
      .where({ import_id: id, severity: 'error' })
      .whereIn(
        'line',
        rows.map((r) => r.line),
      )
      .orderBy('seq')
      .select('line', 'code', 'field', 'message', 'user_key');
    const byLine = new Map<number, FailedRowIssue<Code>[]>();
    for (const i of issues) {
      const list = byLine.get(i.line) ?? [];
      list.push({ line: i.line, severity: 'error', code: i.code as Code, field: i.field, message: i.message, user_key: i.user_key });
      byLine.set(i.line, list);
    }
    for (const r of rows) yield { line: r.line, text: r.text, fields: r.fields, errors: byLine.get(r.line) ?? [] };
    after = rows.at(-1)!.line;
  }
}
