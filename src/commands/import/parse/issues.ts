/**
 * Import issue codes. Clients and tests depend on these exact strings, so the
 * list only ever grows. The parser decides the file codes and the row codes it can
 * see in the file alone; codes that need the store (CONFLICT_EXISTING_USER,
 * USER_NOT_FOUND, ORGANIZATION_NOT_FOUND, ROLE_NOT_FOUND, PERMISSION_NOT_FOUND)
 * are decided by the apply step.
 */
export const ROW_ERROR_CODES = [
  'MISSING_IDENTITY',
  'INVALID_EMAIL',
  'INVALID_PHONE',
  'INVALID_FIELD',
  'DUPLICATE_IN_FILE',
  'CONFLICT_EXISTING_USER',
  'ENTERPRISE_IDENTITY_EXCLUSIVE',
  'MALFORMED_ROW',
  'MALFORMED_JSON',
  'USER_NOT_FOUND',
  'ROW_TOO_LARGE',
] as const;

export const ROW_WARNING_CODES = [
  'ORGANIZATION_NOT_FOUND',
  'ROLE_NOT_FOUND',
  'PERMISSION_NOT_FOUND',
  'DEFAULT_ORGANIZATION_USED',
  'PASSWORD_NOT_IMPORTED',
  'POSSIBLE_DUPLICATE',
  'SUSPENDED_AT_SOURCE',
] as const;

export const FILE_ERROR_CODES = ['INVALID_ENCODING', 'MISSING_REQUIRED_COLUMN', 'UNSUPPORTED_FORMAT', 'FILE_TOO_LARGE'] as const;
export const FILE_WARNING_CODES = ['UNKNOWN_COLUMN'] as const;

export const IMPORT_ISSUE_CODES = [...ROW_ERROR_CODES, ...ROW_WARNING_CODES, ...FILE_ERROR_CODES, ...FILE_WARNING_CODES] as const;

export type FileErrorCode = (typeof FILE_ERROR_CODES)[number];
export type FileWarningCode = (typeof FILE_WARNING_CODES)[number];
export type ImportIssueCode = (typeof IMPORT_ISSUE_CODES)[number];

export type Severity = 'error' | 'warning';

/**
 * One error or warning. `line`: CSV — the physical line where the record starts
 * (header = line 1); NDJSON — the line. File-level issues have line 0 unless they
 * point at a line (an unknown column is on line 1). `user_key` is the row's user
 * key (`id:…`, `email:…`) or null when the row has none. Messages never contain a
 * password hash or salt.
 */
export interface ImportIssue {
  readonly line: number;
  readonly severity: Severity;
  readonly code: ImportIssueCode;
  readonly field: string | null;
  readonly message: string;
  readonly user_key: string | null;
}

/** A file-level issue: the whole file is rejected when any has severity error. */
export interface FileIssue extends ImportIssue {
  readonly code: FileErrorCode | FileWarningCode;
  /** INVALID_ENCODING: the 0-based byte offset of the first invalid byte. */
  readonly byteOffset?: number;
}

const ERROR_CODES: ReadonlySet<string> = new Set<string>([...ROW_ERROR_CODES, ...FILE_ERROR_CODES]);

export function severityOf(code: ImportIssueCode): Severity {
  return ERROR_CODES.has(code) ? 'error' : 'warning';
}

export function issue(line: number, code: ImportIssueCode, field: string | null, message: string, userKey: string | null): ImportIssue {
  return { line, severity: severityOf(code), code, field, message, user_key: userKey };
}
