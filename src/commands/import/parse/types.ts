import type { FileIssue, ImportIssue } from './issues';
import type { ImportIdentityType } from './identity-types';

export const IMPORT_FORMATS = ['csv', 'kinde_ndjson', 'auth0', 'auth0_passwords', 'firebase', 'keycloak', 'supabase', 'clerk', 'cognito'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The methods src/passwords knows (Kinde's five, then Roster's further families). */
export { HASHING_METHODS } from '../../../passwords/types';
import type { HashingMethod } from '../../../passwords/types';
export type { HashingMethod };

/** Size caps. Every one is optional; a missing cap falls back to the default below. */
export interface ParseLimits {
  /** Longest CSV field / NDJSON string member, in UTF-8 bytes. Default 64 KiB. */
  readonly maxFieldBytes?: number;
  /** Longest CSV record (all its physical lines), in bytes. Default 1 MiB. */
  readonly maxRecordBytes?: number;
  /** Longest NDJSON line, in bytes. Default 1 MiB. */
  readonly maxLineBytes?: number;
  /** Largest file, in bytes. Default: none. */
  readonly maxFileBytes?: number;
}

export const DEFAULT_LIMITS = {
  maxFieldBytes: 64 * 1024,
  maxRecordBytes: 1024 * 1024,
  maxLineBytes: 1024 * 1024,
  maxFileBytes: Number.POSITIVE_INFINITY,
} as const satisfies Required<ParseLimits>;

export function resolveLimits(limits: ParseLimits | undefined): Required<ParseLimits> {
  return {
    maxFieldBytes: limits?.maxFieldBytes ?? DEFAULT_LIMITS.maxFieldBytes,
    maxRecordBytes: limits?.maxRecordBytes ?? DEFAULT_LIMITS.maxRecordBytes,
    maxLineBytes: limits?.maxLineBytes ?? DEFAULT_LIMITS.maxLineBytes,
    maxFileBytes: limits?.maxFileBytes ?? DEFAULT_LIMITS.maxFileBytes,
  };
}

export interface ImportIdentity {
  readonly type: ImportIdentityType;
  /** Normalised: emails and usernames lowercase, phones E.164, others trimmed. */
  readonly identity: string;
  /** The value as written in the file (a username keeps its case for display). */
  readonly display: string;
  readonly isVerified?: boolean;
  readonly provider?: string;
  readonly profile?: Readonly<Record<string, unknown>>;
}

export interface ImportOrganizationAccess {
  /** `external_organization_id`; null = the default organization (DEFAULT_ORGANIZATION_USED was reported). */
  readonly externalId: string | null;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
  readonly scopes: readonly { readonly audience: string; readonly scope: string }[];
}

/** Structurally complete password fields (checkPasswordFields passed). Never log these. */
export interface ImportPassword {
  readonly hashedPassword: string;
  readonly hashingMethod: HashingMethod;
  readonly salt?: string;
  readonly saltPosition?: 'prefix' | 'suffix';
  readonly saltFormat?: 'hex' | 'string';
  /** Cost parameters kept beside the hash (scrypt n/r/p/key_length; firebase_scrypt signer_key, salt_separator, rounds, mem_cost). */
  readonly params?: Readonly<Record<string, string | number>>;
}

/** The original text of a source row, for the failed-rows file. Never log it. */
export interface RawRow {
  readonly line: number;
  /** NDJSON: the line; CSV: the record's text for a record that could not be split into fields, else '' (see `fields`). */
  readonly text: string;
  /** CSV only: the record's fields, positionally aligned with `ParsedFile.columns`. */
  readonly fields?: readonly string[];
}

/**
 * A validated, normalised import record: one user (or part of one).
 *
 * - `kind` `user`: a full user (CSV with email/phone, Kinde NDJSON, Auth0 users).
 *   `access`: the access-only CSV (`id,roles,permissions,external_organization_id`)
 *   — adds organizations/roles/permissions to an existing user matched by provided id.
 *   `password`: an Auth0 password-hash export line — sets the password of an existing
 *   user matched by provided id, else email.
 * - Consecutive rows of the same user are already merged into one record (all their
 *   lines). A later, non-adjacent row of the same user is a second record with the
 *   same `groupKey`: the apply step treats it as adding access (mode merge).
 */
export interface ImportRecord {
  readonly kind: 'user' | 'access' | 'password';
  /** `id:<provided id>`, else `email:<lowercase>`, else `phone:<E.164>`, else `username:<lowercase>`, else `<type>:<identity>`. */
  readonly userKey: string;
  /**
   * 16 hex chars, equal for every record the file gives to the same user: rows match
   * "by id, else email", so a row without an id whose email an earlier row (with an
   * id) claimed gets that earlier row's group. Group by this within an import.
   */
  readonly groupKey: string;
  /** Physical start lines of the rows merged into this record, ascending. */
  readonly lines: readonly number[];
  readonly providedId?: string;
  /** Normalised shortcuts into `identities` (first email / phone / username). */
  readonly email?: string;
  readonly phone?: string;
  readonly username?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly picture?: string;
  readonly identities: readonly ImportIdentity[];
  readonly organizations: readonly ImportOrganizationAccess[];
  readonly properties: readonly { readonly key: string; readonly value: string }[];
  readonly featureFlags: readonly { readonly key: string; readonly value: string }[];
  readonly password?: ImportPassword;
  /** CSV `password_verified`; true lets the user sign in without a one-time code first. */
  readonly passwordVerified?: boolean;
  /** The source says the user must set a new password (Keycloak UPDATE_PASSWORD, Cognito: no hash exported). */
  readonly passwordResetRequired?: boolean;
  /**
   * The source does not let the account sign in (Auth0 blocked, Supabase banned_until in
   * the future, Firebase disabled, Keycloak enabled=false, Cognito enabled=false or a
   * disabled status, Clerk banned): the suspension reason, e.g. "blocked in Auth0".
   */
  readonly suspendedAtSource?: string;
  /** Warnings of the merged rows (the record is applied anyway). */
  readonly warnings: readonly ImportIssue[];
  readonly raw: readonly RawRow[];
}

/** A row that failed: nothing from it is applied. */
export interface FailedRow {
  readonly line: number;
  readonly userKey: string | null;
  readonly errors: readonly ImportIssue[];
  readonly raw: RawRow;
}

export interface ImportBatch {
  readonly records: readonly ImportRecord[];
  readonly failed: readonly FailedRow[];
  /** Source rows (CSV records / non-empty NDJSON lines) consumed so far, whole file. */
  readonly rowsRead: number;
  /** Bytes of the file consumed so far (for progress). */
  readonly bytesRead: number;
}

/** What the parse (or validation) pass found about the file as a whole. */
export interface FileSummary {
  readonly format: ImportFormat | null;
  readonly errors: readonly FileIssue[];
  readonly warnings: readonly FileIssue[];
  /** CSV: the header as written (for the failed-rows file); NDJSON: []. */
  readonly columns: readonly string[];
  /** CSV: `access` when the file is the access-only second file. */
  readonly csvKind?: 'users' | 'access';
  readonly bytesRead: number;
  readonly rowsRead: number;
  /** Hex SHA-256 of every byte read; complete only when the stream was read to its end. */
  readonly checksum: string;
}
