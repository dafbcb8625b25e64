import { clerkCsvDialect } from './clerk';
import { cognitoCsvDialect } from './cognito';
import { mappedDialect, type ColumnMap } from './column-map';
import { detectCsvFormat, kindeDialect, type CsvDialect } from './csv-dialect';
import { firebaseCsvDialect, looksLikeFirebaseCsv, type FirebaseHashConfig } from './firebase';
import type { FileIssue } from './issues';
import { analyzeCsvHeader } from './kinde-csv';
import { isPlainObject, parseJsonSafely } from './safe-json';
import { supabaseCsvDialect } from './supabase';
import type { ImportFormat } from './types';

/**
 * Recognising the provider formats: JSON documents by their keys, CSV files by
 * their header (or, for Firebase's header-less CSV, by the shape of the first
 * row). NDJSON lines are recognised by detectFormat (below).
 */

/** Formats whose files are JSON documents (`{"users":[…]}`, `[…]`), beside their NDJSON form. */
export const JSON_DOCUMENT_FORMATS: ReadonlySet<ImportFormat> = new Set(['firebase', 'keycloak', 'supabase']);
/** Formats that only come as CSV. */
export const CSV_ONLY_FORMATS: ReadonlySet<ImportFormat> = new Set(['clerk', 'cognito']);
/** How much of a JSON document is read to recognise it. */
export const DETECT_BYTES = 64 * 1024;

/**
 * Whether the file is one JSON document rather than NDJSON or CSV: it opens with
 * `[`, or with `{` on a first line that is not a whole JSON object.
 */
export function isJsonDocument(text: string): boolean {
  const t = text.trimStart();
  if (t.startsWith('[')) return true;
  if (!t.startsWith('{')) return false;
  const nl = t.indexOf('\n');
  try {
    parseJsonSafely(nl < 0 ? t : t.slice(0, nl));
    return false;
  } catch {
    return true;
  }
}

/** Which provider wrote a JSON document, from the keys in its first 64 KiB. */
export function detectJsonDocument(head: string): ImportFormat | null {
  if (/"localId"\s*:/.test(head)) return 'firebase';
  if (/"encrypted_password"\s*:/.test(head)) return 'supabase';
  if (/"(?:realm|createdTimestamp|credentials|realmRoles|requiredActions)"\s*:/.test(head)) return 'keycloak';
  return null;
}

/** The CSV dialect for a first record: the map, the format given, a provider's header, Firebase's header-less rows, or Kinde's CSV. */
export function chooseCsvDialect(
  first: readonly string[],
  options: { readonly format?: ImportFormat; readonly columnMap?: ColumnMap; readonly firebaseHashConfig?: FirebaseHashConfig; readonly now?: Date },
): { dialect: CsvDialect } | { format: ImportFormat; error: FileIssue } {
  if (options.columnMap) return { dialect: mappedDialect(first, options.columnMap) };
  let format = options.format;
  if (format === undefined) {
    format = detectCsvFormat(first) ?? undefined;
    const kinde = analyzeCsvHeader(first);
    if (format === undefined && kinde.map.every((c) => c === null)) {
      if (looksLikeFirebaseCsv(first)) format = 'firebase';
      else return { format: 'csv', error: unsupported('The file is neither NDJSON nor a CSV file with a Kinde header (no known column such as email, phone or id).') };
    }
  }
  switch (format ?? 'csv') {
    case 'firebase':
      return { dialect: firebaseCsvDialect(first, options.firebaseHashConfig) };
    case 'supabase':
      return { dialect: supabaseCsvDialect(first, options.now) };
    case 'clerk':
      return { dialect: clerkCsvDialect(first) };
    case 'cognito':
      return { dialect: cognitoCsvDialect(first) };
    default:
      return { dialect: kindeDialect(analyzeCsvHeader(first)) };
  }
}

function unsupported(message: string): FileIssue {
  return { line: 0, severity: 'error', code: 'UNSUPPORTED_FORMAT', field: null, message, user_key: null };
}

/**
 * First non-empty bytes `{` → NDJSON, then the keys of the first object:
 * `user_id` + `identities` → auth0, `_id` or `passwordHash` → auth0_passwords,
 * else kinde_ndjson. Anything else is CSV with a header.
 */
export function detectFormat(head: Buffer): ImportFormat {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (head[i] !== 0x7b) return 'csv';
  const nl = head.indexOf(0x0a, i);
  const text = head.toString('utf8', i, nl < 0 ? head.length : nl);
  let first: unknown;
  try {
    first = parseJsonSafely(text);
  } catch {
    return 'kinde_ndjson';
  }
  if (!isPlainObject(first)) return 'kinde_ndjson';
  const has = (k: string) => Object.prototype.hasOwnProperty.call(first, k);
  if (has('user_id') && has('identities')) return 'auth0';
  if (has('localId')) return 'firebase';
  if (has('_id') || has('passwordHash')) return 'auth0_passwords';
  if (has('encrypted_password') || has('raw_user_meta_data')) return 'supabase';
  if (has('username') && (has('credentials') || has('createdTimestamp') || has('realmRoles') || has('requiredActions'))) return 'keycloak';
  return 'kinde_ndjson';
}
