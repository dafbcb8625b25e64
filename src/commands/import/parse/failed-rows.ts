import type { ImportIssue } from './issues';
import { parseJsonSafely, isPlainObject } from './safe-json';
import type { RawRow } from './types';

/**
 * The failed-rows file: only the rows that failed, in the file's own format, with
 * the error added, ready to fix and re-import. Streams: write the header once, then
 * one line per failed row. Output never contains more than the row itself held.
 */

/** A cell that a spreadsheet would run as a formula gets a leading `'`. */
export function escapeFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** RFC 4180 quoting (after formula escaping). */
export function csvCell(value: string): string {
  const v = escapeFormula(value);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export const CSV_ERROR_COLUMNS = ['error_code', 'error_message'] as const;

/** The header line of errors.csv: the original columns plus error_code, error_message. */
export function failedRowsCsvHeader(columns: readonly string[]): string {
  return `${[...columns, ...CSV_ERROR_COLUMNS].map(csvCell).join(',')}\r\n`;
}

function joinIssues(issues: readonly ImportIssue[]): { code: string; message: string } {
  return {
    code: [...new Set(issues.map((i) => i.code))].join(';'),
    message: issues.map((i) => i.message).join(' '),
  };
}

/**
 * One failed CSV row: its original fields plus the error columns. A short row is
 * padded to the header's width; a long one keeps all its fields (nothing typed is
 * lost). A record that could not be split into fields (bad quoting) keeps its text
 * in the first cell; a too-large one (not kept in memory) is written empty.
 */
export function failedRowCsvLine(columns: readonly string[], raw: RawRow, issues: readonly ImportIssue[]): string {
  const fields: string[] = raw.fields ? [...raw.fields] : [raw.text];
  while (fields.length < columns.length) fields.push('');
  const { code, message } = joinIssues(issues);
  return `${[...fields, code, message].map(csvCell).join(',')}\r\n`;
}

/**
 * One failed NDJSON line: the original object with an `_error` member
 * (`{code, message, line, errors:[…]}`); a line that is not a JSON object becomes
 * `{"_raw": "<the line>", "_error": …}`.
 */
export function failedRowNdjsonLine(raw: RawRow, issues: readonly ImportIssue[]): string {
  const { code, message } = joinIssues(issues);
  const _error = {
    code,
    message,
    line: raw.line,
    errors: issues.map((i) => ({ code: i.code, field: i.field, message: i.message })),
  };
  let value: unknown;
  try {
    value = raw.text === '' ? null : parseJsonSafely(raw.text);
  } catch {
    value = null;
  }
  const out = isPlainObject(value) ? { ...value, _error } : { _raw: raw.text, _error };
  return `${JSON.stringify(out)}\n`;
}
