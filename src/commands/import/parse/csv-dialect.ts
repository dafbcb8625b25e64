import type { RowDraft } from './assemble';
import type { FileIssue } from './issues';
import { mapCsvRow, type CsvHeader } from './kinde-csv';
import type { PasswordHashCheck } from './password-fields';
import type { ImportFormat, RawRow } from './types';

/**
 * One kind of CSV file: how its header is read and how a record becomes a draft.
 * Kinde's CSV, the provider exports (Firebase, Supabase, Clerk, Cognito) and a
 * home-grown file read through `--map` each supply one; the tokenizer, size caps,
 * batching and failed-rows file around them are shared.
 */
export interface CsvDialect {
  readonly format: ImportFormat;
  /** The columns as the failed-rows file writes them (the header as written, or the documented names). */
  readonly columns: readonly string[];
  readonly kind: 'users' | 'access';
  readonly errors: FileIssue[];
  readonly warnings: FileIssue[];
  /** The first record was data, not a header (Firebase's CSV has none): parse it as a row. */
  readonly firstRecordIsData: boolean;
  /** Field count a record may have: [min, max]. */
  readonly width: readonly [number, number];
  /** The name of column i (for ROW_TOO_LARGE). */
  columnName(i: number): string;
  mapRow(line: number, raw: RawRow, fields: readonly string[], checkHash: PasswordHashCheck | undefined): RowDraft;
}

export function kindeDialect(header: CsvHeader): CsvDialect {
  return {
    format: 'csv',
    columns: header.columns,
    kind: header.kind,
    errors: header.errors,
    warnings: header.warnings,
    firstRecordIsData: false,
    width: [header.columns.length, header.columns.length],
    columnName: (i) => header.map[i] ?? `column ${i + 1}`,
    mapRow: (line, raw, fields, checkHash) => mapCsvRow(header, line, raw, fields, checkHash),
  };
}

/** Header names → position, case-insensitive, trimmed; a Map so file text never becomes an object key. */
export function headerIndex(columns: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  columns.forEach((c, i) => {
    const k = c.trim().toLowerCase();
    if (!index.has(k)) index.set(k, i);
  });
  return index;
}

/** A header-based provider dialect: known columns are read by name, the others warned as UNKNOWN_COLUMN. */
export function namedDialect(
  format: ImportFormat,
  columns: readonly string[],
  known: ReadonlySet<string>,
  required: { readonly anyOf: readonly string[]; readonly message: string },
  map: (get: (name: string) => string, line: number, raw: RawRow, checkHash: PasswordHashCheck | undefined) => RowDraft,
  isKnown: (name: string) => boolean = () => false,
): CsvDialect {
  const index = headerIndex(columns);
  const warnings: FileIssue[] = [];
  const errors: FileIssue[] = [];
  columns.forEach((c, i) => {
    const k = c.trim().toLowerCase();
    if (known.has(k) || isKnown(k)) return;
    const shown = c.length > 64 ? `${c.slice(0, 64)}…` : c;
    warnings.push({
      line: 1,
      severity: 'warning',
      code: 'UNKNOWN_COLUMN',
      field: k === '' ? null : shown,
      user_key: null,
      message: k === '' ? `Column ${i + 1} has no name; its values are ignored.` : `Column "${shown}" is not read from a ${format} export; its values are ignored.`,
    });
  });
  if (!required.anyOf.some((c) => index.has(c))) {
    errors.push({ line: 1, severity: 'error', code: 'MISSING_REQUIRED_COLUMN', field: required.anyOf[0] ?? null, user_key: null, message: required.message });
  }
  return {
    format,
    columns,
    kind: 'users',
    errors,
    warnings,
    firstRecordIsData: false,
    width: [columns.length, columns.length],
    columnName: (i) => columns[i]?.trim() || `column ${i + 1}`,
    mapRow(line, raw, fields, checkHash) {
      const get = (name: string): string => {
        const i = index.get(name);
        return i === undefined ? '' : (fields[i] ?? '');
      };
      return map(get, line, raw, checkHash);
    },
  };
}

/** Which provider wrote this CSV header (null: Kinde's own CSV, or unknown). */
export function detectCsvFormat(columns: readonly string[]): ImportFormat | null {
  const names = new Set(columns.map((c) => c.trim().toLowerCase()));
  if (names.has('cognito:username')) return 'cognito';
  if (names.has('password_digest') || names.has('primary_email_address')) return 'clerk';
  if (names.has('encrypted_password') || names.has('raw_user_meta_data')) return 'supabase';
  return null;
}
