import { z } from 'zod';
import type { CsvDialect } from './csv-dialect';
import { headerIndex } from './csv-dialect';
import type { FileIssue } from './issues';
import { analyzeCsvHeader, CSV_COLUMNS, mapCsvRow, type CsvColumn } from './kinde-csv';

/**
 * `--map mapping.json` / `map=`: reads a CSV from a home-grown database as if it
 * were Kinde's CSV. The mapping names, for each Roster column, the source column
 * it comes from (`columns`), or a constant (`constants`), and a separator for
 * list columns (`separators`: roles, permissions, external_organization_id):
 *
 *   {"columns": {"mail": "email", "given": "first_name", "groups": "roles"},
 *    "constants": {"hashing_method": "bcrypt"}, "separators": {"roles": "|"}}
 *
 * Each row is rewritten into Kinde's columns and read by the Kinde CSV rules, so
 * every check, warning and error is the same; the failed-rows file keeps the
 * source's own columns. Source columns the map does not name are UNKNOWN_COLUMN.
 */
const RosterColumn = z.enum(CSV_COLUMNS);
const LIST_COLUMNS = ['roles', 'permissions', 'external_organization_id'] as const;

export const ColumnMapSchema = z
  .object({
    columns: z.record(z.string().min(1).max(256), RosterColumn).default({}),
    constants: z.partialRecord(RosterColumn, z.string().max(4096)).default({}),
    separators: z.partialRecord(z.enum(LIST_COLUMNS), z.string().min(1).max(8)).default({}),
  })
  .strict();
export type ColumnMap = z.infer<typeof ColumnMapSchema>;

/** Parses and checks a mapping (JSON text or a value); the reason names the problem, never file data. */
export function parseColumnMap(input: unknown): { ok: true; map: ColumnMap } | { ok: false; reason: string } {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      return { ok: false, reason: 'the map is not valid JSON' };
    }
  }
  const parsed = ColumnMapSchema.safeParse(value);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return { ok: false, reason: `the map is not valid: ${i ? `${i.path.map(String).join('.') || '(root)'}: ${i.message}` : 'unknown shape'}` };
  }
  const map = parsed.data;
  const seen = new Set<string>();
  for (const target of Object.values(map.columns)) {
    if (seen.has(target)) return { ok: false, reason: `the map sends two source columns to ${target}` };
    seen.add(target);
  }
  for (const target of Object.keys(map.constants)) {
    if (seen.has(target)) return { ok: false, reason: `${target} is both mapped from a column and given as a constant` };
  }
  if (Object.keys(map.columns).length === 0 && Object.keys(map.constants).length === 0) return { ok: false, reason: 'the map names no column' };
  return { ok: true, map };
}

export function mappedDialect(columns: readonly string[], map: ColumnMap): CsvDialect {
  const index = headerIndex(columns);
  const errors: FileIssue[] = [];
  const warnings: FileIssue[] = [];
  // Roster column → where its value comes from.
  const sources: { target: CsvColumn; from: number | null; constant: string; separator: string | undefined }[] = [];
  for (const [source, target] of Object.entries(map.columns)) {
    const at = index.get(source.trim().toLowerCase());
    if (at === undefined) {
      errors.push({
        line: 1,
        severity: 'error',
        code: 'MISSING_REQUIRED_COLUMN',
        field: source.slice(0, 64),
        user_key: null,
        message: `The map reads column "${source.slice(0, 64)}", which the file's header does not have.`,
      });
      continue;
    }
    sources.push({ target, from: at, constant: '', separator: (map.separators as Record<string, string | undefined>)[target] });
  }
  for (const [target, value] of Object.entries(map.constants) as [CsvColumn, string][]) sources.push({ target, from: null, constant: value, separator: undefined });

  const mappedPositions = new Set(sources.map((s) => s.from));
  columns.forEach((c, i) => {
    if (mappedPositions.has(i)) return;
    const shown = c.length > 64 ? `${c.slice(0, 64)}…` : c;
    warnings.push({ line: 1, severity: 'warning', code: 'UNKNOWN_COLUMN', field: shown || null, user_key: null, message: `Column "${shown}" is not in the map; its values are ignored.` });
  });

  // The Kinde header the rows are rewritten into (its own checks: an email or phone column is required).
  const virtual = analyzeCsvHeader(sources.map((s) => s.target));
  errors.push(...virtual.errors);
  return {
    format: 'csv',
    columns,
    kind: virtual.kind,
    errors,
    warnings,
    firstRecordIsData: false,
    width: [columns.length, columns.length],
    columnName: (i) => columns[i]?.trim() || `column ${i + 1}`,
    mapRow(line, raw, fields, checkHash) {
      const rewritten = sources.map((s) => {
        const v = s.from === null ? s.constant : (fields[s.from] ?? '');
        return s.separator === undefined
          ? v
          : v
              .split(s.separator)
              .map((x) => x.trim())
              .filter((x) => x !== '')
              .join(',');
      });
      return mapCsvRow(virtual, line, raw, rewritten, checkHash);
    },
  };
}
