import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { Assembler, failedRow, type RowDraft } from './assemble';
import { mapAuth0PasswordLine, mapAuth0UserLine } from './auth0';
import type { ColumnMap } from './column-map';
import type { CsvDialect } from './csv-dialect';
import { CsvTokenizer, type CsvToken } from './csv-tokenizer';
import { chooseCsvDialect, CSV_ONLY_FORMATS, DETECT_BYTES, detectJsonDocument, isJsonDocument, JSON_DOCUMENT_FORMATS } from './detect';
import { mapFirebaseUser, type FirebaseHashConfig } from './firebase';
import type { FileIssue } from './issues';
import { JsonDocumentSplitter, jsonRecordPaths, type JsonRecord } from './json-document';
import { mapKeycloakUser } from './keycloak';
import { mapKindeNdjsonLine } from './kinde-ndjson';
import { NdjsonLineSplitter, type NdjsonLine } from './ndjson-lines';
import type { PasswordHashCheck } from './password-fields';
import { describeJsonError, findOversizedString, isPlainObject, parseJsonSafely } from './safe-json';
import { mapSupabaseJsonUser } from './supabase';
import { resolveLimits, type FileSummary, type ImportBatch, type ImportFormat, type ParseLimits } from './types';
import { Utf8Validator } from './utf8';

/*
 * Two passes, so that a file error means nothing at all is applied:
 *
 * 1. `validateImport(input, { sink })` (or `validateFile(path)`) reads every byte
 *    once: SHA-256, size cap (FILE_TOO_LARGE), UTF-8 (INVALID_ENCODING with the byte
 *    offset), format detection and the CSV header (MISSING_REQUIRED_COLUMN,
 *    UNSUPPORTED_FORMAT, UNKNOWN_COLUMN). An HTTP body is spooled to a temp file in
 *    this same pass by passing the file as `sink`. Errors that need the whole file
 *    can only be known at its end, so they need this pass; nothing row-level runs.
 * 2. `openImport(fs.createReadStream(path))` parses the (now known good) file into
 *    batches. It re-checks everything pass 1 checked: if the file changed in
 *    between, the batches stop and `summary()` carries the file error — callers
 *    should also compare `summary().checksum` with pass 1's.
 */

export interface ParseOptions {
  /** Given, or detected from the content when absent. */
  readonly format?: ImportFormat;
  readonly limits?: ParseLimits;
  /** Records per batch (default 1,000). */
  readonly batchSize?: number;
  /** src/passwords' hash-format check (see password-fields.ts); structure only when absent. */
  readonly checkPasswordHash?: PasswordHashCheck;
  /** Firebase: the project's password hash parameters (without them, Firebase passwords are PASSWORD_NOT_IMPORTED). */
  readonly firebaseHashConfig?: FirebaseHashConfig;
  /** `--map`: read a CSV through this column mapping instead of Kinde's header names. */
  readonly columnMap?: ColumnMap;
  /** The import's clock: a Supabase `banned_until` after it imports the user suspended. Default: when the parse opens. */
  readonly now?: Date;
}

export interface ImportParse {
  /** The format given or detected; null when the file was rejected before it could be known. */
  readonly format: ImportFormat | null;
  /** File errors known from the head of the file (format, header). Non-empty: do not iterate. */
  readonly headErrors: readonly FileIssue[];
  /** Batches of records and failed rows, in file order. Iterate once. */
  batches(): AsyncGenerator<ImportBatch>;
  /** Bytes read so far (progress). */
  readonly bytesRead: number;
  /** The file-level result; complete once `batches()` has finished. */
  summary(): FileSummary;
}

export interface FileValidation extends Omit<FileSummary, 'rowsRead'> {
  readonly ok: boolean;
}

// ---------------------------------------------------------------------------
// Format detection

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

// ---------------------------------------------------------------------------
// Byte metering: checksum, size cap, UTF-8

class FileMeter {
  readonly #hash: Hash = createHash('sha256');
  readonly #utf8 = new Utf8Validator();
  readonly #maxFileBytes: number;
  #digest: string | null = null;
  bytes = 0;
  error: FileIssue | null = null;

  constructor(maxFileBytes: number) {
    this.#maxFileBytes = maxFileBytes;
  }

  /** false once the file is rejected. */
  push(chunk: Buffer): boolean {
    if (this.error) return false;
    this.bytes += chunk.length;
    this.#hash.update(chunk);
    if (this.bytes > this.#maxFileBytes) {
      this.error = {
        line: 0,
        severity: 'error',
        code: 'FILE_TOO_LARGE',
        field: null,
        user_key: null,
        message: `The file is larger than the limit of ${this.#maxFileBytes} bytes.`,
      };
      return false;
    }
    this.#utf8.push(chunk);
    return this.#checkUtf8();
  }

  end(): void {
    if (this.error) return;
    this.#utf8.end();
    this.#checkUtf8();
  }

  #checkUtf8(): boolean {
    const at = this.#utf8.invalidAt;
    if (at === null) return true;
    this.error = {
      line: 0,
      severity: 'error',
      code: 'INVALID_ENCODING',
      field: null,
      user_key: null,
      byteOffset: at,
      message: `The file is not valid UTF-8: invalid byte sequence at byte offset ${at}. Save the file as UTF-8 and import it again.`,
    };
    return false;
  }

  get checksum(): string {
    return (this.#digest ??= this.#hash.digest('hex'));
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('import input must be a byte stream');
}

// ---------------------------------------------------------------------------
// Opening a file: head, detection, header

interface Opened {
  readonly meter: FileMeter;
  readonly format: ImportFormat | null;
  readonly headErrors: FileIssue[];
  readonly warnings: FileIssue[];
  /** CSV: how the header and rows are read. */
  readonly dialect: CsvDialect | null;
  /** CSV tokens already cut from the head (after the header). */
  readonly pendingTokens: CsvToken[];
  readonly tokenizer: CsvTokenizer | null;
  /** JSON document: where its records sit (null for NDJSON and CSV). */
  readonly jsonPaths: string[] | null;
  /** Head bytes not yet handed to a tokenizer (NDJSON, JSON document). */
  readonly headRest: Buffer[];
  readonly rest: AsyncIterator<unknown>;
  readonly sink: Writable | undefined;
  readonly done: boolean;
}

async function write(sink: Writable | undefined, chunk: Buffer): Promise<void> {
  if (sink && !sink.write(chunk)) await once(sink, 'drain');
}

async function open(input: Readable, options: ParseOptions, sink: Writable | undefined): Promise<Opened> {
  const limits = resolveLimits(options.limits);
  const meter = new FileMeter(limits.maxFileBytes);
  const rest = (input as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const headCap = Math.max(limits.maxLineBytes, limits.maxRecordBytes) + 16;
  const head: Buffer[] = [];
  let headBytes = 0;
  let done = false;
  const readMore = async (): Promise<boolean> => {
    const r = await rest.next();
    if (r.done) {
      done = true;
      meter.end();
      return false;
    }
    const chunk = toBuffer(r.value);
    if (!meter.push(chunk)) return false;
    await write(sink, chunk);
    head.push(chunk);
    headBytes += chunk.length;
    return true;
  };

  // 1. Read until the first line is complete (enough to detect and read a CSV header);
  //    a JSON document is recognised by its keys, so read up to 64 KiB of it.
  for (;;) {
    if (!(await readMore())) break;
    if (headBytes > headCap || hasContentLine(head.at(-1)!, head)) break;
  }
  if (
    !done &&
    !meter.error &&
    isJsonDocument(
      Buffer.concat(head)
        .toString('utf8')
        .replace(/^\uFEFF/, ''),
    )
  ) {
    while (headBytes < DETECT_BYTES && (await readMore()));
  }
  let headBuf = Buffer.concat(head);
  if (headBuf[0] === 0xef && headBuf[1] === 0xbb && headBuf[2] === 0xbf) headBuf = headBuf.subarray(3); // BOM
  const base = { meter, rest, sink, done, warnings: [] as FileIssue[], pendingTokens: [] as CsvToken[], dialect: null, tokenizer: null, jsonPaths: null, headRest: [] as Buffer[] };
  if (meter.error) return { ...base, format: null, headErrors: [meter.error] };

  // 2. Format: given, or detected; and the file's shape (CSV, NDJSON or one JSON document).
  const headText = headBuf.toString('utf8');
  const empty = headText.trim() === '';
  if (empty && done && options.format === undefined) {
    return { ...base, format: null, headErrors: [fileError('UNSUPPORTED_FORMAT', 'The file is empty.')] };
  }
  const firstChar = headText.trimStart()[0];
  if (options.columnMap && ((options.format !== undefined && options.format !== 'csv') || firstChar === '{' || firstChar === '[')) {
    return { ...base, format: options.format ?? 'csv', headErrors: [fileError('UNSUPPORTED_FORMAT', 'A column map applies to CSV files only.')] };
  }
  // A `{` file that no provider's keys mark stays NDJSON (a broken first line is then a row error, as before).
  const documentFormat = isJsonDocument(headText) ? (options.format ?? detectJsonDocument(headText)) : undefined;
  if (documentFormat !== undefined && !(firstChar === '{' && (documentFormat === null || !JSON_DOCUMENT_FORMATS.has(documentFormat)))) {
    const format = documentFormat;
    if (format === null || !JSON_DOCUMENT_FORMATS.has(format)) {
      const why =
        format === null
          ? 'The file is a JSON document but not a Firebase, Keycloak or Supabase export (no localId, realm/credentials or encrypted_password key near its start).'
          : `The file is one JSON document; ${format} files are ${CSV_ONLY_FORMATS.has(format) || format === 'csv' ? 'CSV' : 'NDJSON (one JSON object per line)'}.`;
      return { ...base, format, headErrors: [fileError('UNSUPPORTED_FORMAT', why)] };
    }
    return { ...base, format, headErrors: [], jsonPaths: jsonRecordPaths(firstChar === '[' ? '[' : '{', format), headRest: [headBuf] };
  }
  if (firstChar === '{') {
    const format = options.format ?? detectFormat(headBuf);
    if (format === 'csv' || CSV_ONLY_FORMATS.has(format)) {
      return { ...base, format, headErrors: [fileError('UNSUPPORTED_FORMAT', `The file is NDJSON; ${format} files are CSV.`)] };
    }
    return { ...base, format, headErrors: [], headRest: [headBuf] };
  }
  if (options.format !== undefined && options.format !== 'csv' && !JSON_DOCUMENT_FORMATS.has(options.format) && !CSV_ONLY_FORMATS.has(options.format)) {
    if (firstChar !== undefined) {
      return { ...base, format: options.format, headErrors: [fileError('UNSUPPORTED_FORMAT', `The file does not look like ${options.format} (NDJSON: one JSON object per line).`)] };
    }
    return { ...base, format: options.format, headErrors: [], headRest: [headBuf] };
  }

  // 3. CSV: the header is the first record (Firebase's CSV has none).
  const tokenizer = new CsvTokenizer(limits.maxRecordBytes);
  const tokens = tokenizer.push(headBuf);
  if (done) tokens.push(...tokenizer.end());
  const first = tokens.shift();
  if (first === undefined || first.kind !== 'record') {
    const why = first === undefined ? 'The file has no header line.' : 'The header line cannot be read (too long or badly quoted).';
    return { ...base, format: options.format ?? 'csv', headErrors: [fileError('MISSING_REQUIRED_COLUMN', `${why} The first line must name the columns, e.g. email,first_name,last_name.`)] };
  }
  const chosen = chooseCsvDialect(first.fields, options);
  if ('error' in chosen) return { ...base, format: chosen.format, tokenizer, pendingTokens: tokens, headErrors: [chosen.error] };
  const dialect = chosen.dialect;
  if (dialect.firstRecordIsData) tokens.unshift(first);
  return { ...base, format: dialect.format, dialect, tokenizer, warnings: dialect.warnings, pendingTokens: tokens, headErrors: dialect.errors };
}

/** Whether the head holds a line break after some non-blank content. */
function hasContentLine(latest: Buffer, all: Buffer[]): boolean {
  if (latest.indexOf(0x0a) < 0) return false;
  const text = Buffer.concat(all).toString('utf8');
  const t = text.replace(/^\uFEFF/, '').replace(/^\s+/, '');
  return t.includes('\n');
}

function malformedDocument(record: number, reason: string): FileIssue {
  return fileError('UNSUPPORTED_FORMAT', `The JSON document is not valid JSON at or after record ${record}: ${reason}.`);
}

function fileError(code: 'MISSING_REQUIRED_COLUMN' | 'UNSUPPORTED_FORMAT', message: string): FileIssue {
  return { line: code === 'MISSING_REQUIRED_COLUMN' ? 1 : 0, severity: 'error', code, field: null, message, user_key: null };
}

// ---------------------------------------------------------------------------
// Pass 1

/**
 * Reads the whole input once and reports every file-level problem (see the top of
 * this file). With `sink`, every byte is also written there (spooling an HTTP body
 * to a temp file); the sink is ended when the input ends.
 */
export async function validateImport(input: Readable, options: ParseOptions & { readonly sink?: Writable } = {}): Promise<FileValidation> {
  // A failing sink (disk full) must surface here, not crash the process as an unhandled 'error'.
  let sinkError: unknown = null;
  const onSinkError = (e: unknown) => {
    sinkError ??= e;
  };
  options.sink?.on('error', onSinkError);
  const o = await open(input, options, options.sink);
  let done = o.done;
  // A JSON document is checked whole here: broken JSON halfway must reject the file before anything applies.
  const json = o.jsonPaths && o.headErrors.length === 0 ? new JsonDocumentSplitter(o.jsonPaths) : null;
  let jsonError: FileIssue | null = null;
  const checkJson = (records: JsonRecord[]): void => {
    const bad = records.find((r) => r.kind === 'malformed');
    if (bad && bad.kind === 'malformed') jsonError ??= malformedDocument(bad.line, bad.reason);
  };
  for (const c of o.headRest) if (json) checkJson(json.push(c));
  while (!done && !o.meter.error && sinkError === null && jsonError === null) {
    const r = await o.rest.next();
    if (r.done) {
      done = true;
      o.meter.end();
      break;
    }
    const chunk = toBuffer(r.value);
    if (!o.meter.push(chunk)) break;
    await write(o.sink, chunk);
    if (json) checkJson(json.push(chunk));
  }
  if (json && done && !o.meter.error && jsonError === null) checkJson(json.end());
  // Rejected early: the rest of the input is left unread. The caller decides what to
  // do with it (an HTTP handler answers and closes; validateFile closes its file).
  if (options.sink) {
    options.sink.end();
    options.sink.off('error', onSinkError);
  }
  if (sinkError !== null) throw sinkError as Error; // a stream's 'error' event carries an Error
  const errors = o.meter.error && !o.headErrors.includes(o.meter.error) ? [...o.headErrors, o.meter.error] : [...o.headErrors];
  if (jsonError) errors.push(jsonError);
  return {
    ok: errors.length === 0,
    format: o.format,
    errors,
    warnings: o.warnings,
    columns: o.dialect?.columns ?? [],
    ...(o.dialect ? { csvKind: o.dialect.kind } : {}),
    bytesRead: o.meter.bytes,
    checksum: o.meter.checksum,
  };
}

/** Pass 1 over a file on disk (the CLI's case). */
export async function validateFile(path: string, options: ParseOptions = {}): Promise<FileValidation> {
  const stream = createReadStream(path);
  try {
    return await validateImport(stream, options);
  } finally {
    stream.destroy();
  }
}

// ---------------------------------------------------------------------------
// Pass 2

export async function openImport(input: Readable, options: ParseOptions = {}): Promise<ImportParse> {
  const limits = resolveLimits(options.limits);
  const batchSize = options.batchSize ?? 1000;
  const checkHash = options.checkPasswordHash;
  const now = options.now ?? new Date();
  const o = await open(input, { ...options, now }, undefined);
  const assembler = new Assembler(batchSize);
  let rowsRead = 0;
  let finished = false;

  const dialect = o.dialect;
  const onCsvToken = (t: CsvToken): void => {
    rowsRead++;
    const raw = t.kind === 'record' ? { line: t.line, text: '', fields: t.fields } : { line: t.line, text: t.text };
    switch (t.kind) {
      case 'too_large':
        assembler.addFailed(failedRow(t.line, raw, 'ROW_TOO_LARGE', null, `The record is larger than the limit of ${limits.maxRecordBytes} bytes.`));
        return;
      case 'malformed':
        assembler.addFailed(failedRow(t.line, raw, 'MALFORMED_ROW', null, `The row is not valid CSV: ${t.reason}.`));
        return;
      case 'record': {
        if (t.fields.every((f) => f.trim() === '')) {
          rowsRead--;
          return;
        }
        const [min, max] = dialect!.width;
        if (t.fields.length < min || t.fields.length > max) {
          const want = min === max ? `${min}` : `${min} to ${max}`;
          assembler.addFailed(failedRow(t.line, raw, 'MALFORMED_ROW', null, `The row has ${t.fields.length} fields but the ${dialect!.firstRecordIsData ? 'format' : 'header'} has ${want}.`));
          return;
        }
        const big = t.fields.findIndex((f) => f.length > limits.maxFieldBytes / 3 && Buffer.byteLength(f, 'utf8') > limits.maxFieldBytes);
        if (big >= 0) {
          const name = dialect!.columnName(big);
          assembler.addFailed(failedRow(t.line, raw, 'ROW_TOO_LARGE', name, `The value of ${name} is larger than the limit of ${limits.maxFieldBytes} bytes.`));
          return;
        }
        assembler.addDraft(dialect!.mapRow(t.line, raw, t.fields, checkHash));
        return;
      }
      default: {
        const never: never = t;
        return never;
      }
    }
  };

  const mapLine = (value: unknown, line: number, raw: { line: number; text: string }): RowDraft => {
    switch (o.format) {
      case 'kinde_ndjson':
        return mapKindeNdjsonLine(value, line, raw, checkHash);
      case 'auth0':
        return mapAuth0UserLine(value, line, raw);
      case 'auth0_passwords':
        return mapAuth0PasswordLine(value, line, raw, checkHash);
      case 'firebase':
        return mapFirebaseUser(value, line, raw, options.firebaseHashConfig, checkHash);
      case 'keycloak':
        return mapKeycloakUser(value, line, raw, checkHash);
      case 'supabase':
        return mapSupabaseJsonUser(value, line, raw, checkHash, now);
      case 'csv':
      case 'clerk':
      case 'cognito':
      case null:
        throw new Error('mapLine called for a CSV format');
      default: {
        const never: never = o.format;
        return never;
      }
    }
  };
  const onLine = (l: NdjsonLine): void => {
    rowsRead++;
    if (l.kind === 'too_large') {
      assembler.addFailed(failedRow(l.line, { line: l.line, text: '' }, 'ROW_TOO_LARGE', null, `The line is larger than the limit of ${limits.maxLineBytes} bytes.`));
      return;
    }
    const raw = { line: l.line, text: l.text };
    let value: unknown;
    try {
      value = parseJsonSafely(l.text);
    } catch (e) {
      assembler.addFailed(failedRow(l.line, raw, 'MALFORMED_JSON', null, describeJsonError(e)));
      return;
    }
    if (!isPlainObject(value)) {
      assembler.addFailed(failedRow(l.line, raw, 'MALFORMED_JSON', null, 'The line is not a JSON object.'));
      return;
    }
    const big = findOversizedString(value, limits.maxFieldBytes);
    if (big !== null) {
      assembler.addFailed(failedRow(l.line, raw, 'ROW_TOO_LARGE', big, `The value of ${big} is larger than the limit of ${limits.maxFieldBytes} bytes.`));
      return;
    }
    assembler.addDraft(mapLine(value, l.line, raw));
  };

  // One record of a JSON document: the same checks as an NDJSON line; its text (for the failed-rows file) is re-serialised.
  let documentBroken = false;
  const onJsonRecord = (rec: JsonRecord): void => {
    if (documentBroken) return;
    rowsRead++;
    if (rec.kind === 'malformed') {
      // Pass 1 rejects a broken document; this only happens if the file changed in between.
      documentBroken = true;
      assembler.addFailed(failedRow(rec.line, { line: rec.line, text: '' }, 'MALFORMED_JSON', null, malformedDocument(rec.line, rec.reason).message));
      return;
    }
    let text = JSON.stringify(rec.value);
    let value = rec.value;
    if (/__proto__|constructor|prototype/.test(text)) {
      value = parseJsonSafely(text);
      text = JSON.stringify(value);
    }
    const raw = { line: rec.line, text: Buffer.byteLength(text, 'utf8') > limits.maxLineBytes ? '' : text };
    if (raw.text === '') {
      assembler.addFailed(failedRow(rec.line, raw, 'ROW_TOO_LARGE', null, `The record is larger than the limit of ${limits.maxLineBytes} bytes.`));
      return;
    }
    if (!isPlainObject(value)) {
      assembler.addFailed(failedRow(rec.line, raw, 'MALFORMED_JSON', null, 'The record is not a JSON object.'));
      return;
    }
    const big = findOversizedString(value, limits.maxFieldBytes);
    if (big !== null) {
      assembler.addFailed(failedRow(rec.line, raw, 'ROW_TOO_LARGE', big, `The value of ${big} is larger than the limit of ${limits.maxFieldBytes} bytes.`));
      return;
    }
    assembler.addDraft(mapLine(value, rec.line, raw));
  };

  const document = o.jsonPaths ? new JsonDocumentSplitter(o.jsonPaths) : null;
  const splitter = !document && o.format !== null && o.dialect === null && o.tokenizer === null ? new NdjsonLineSplitter(limits.maxLineBytes) : null;
  const feed = (chunk: Buffer | null): void => {
    if (o.tokenizer) for (const t of chunk ? o.tokenizer.push(chunk) : o.tokenizer.end()) onCsvToken(t);
    else if (document) for (const r of chunk ? document.push(chunk) : document.end()) onJsonRecord(r);
    else if (splitter) for (const l of chunk ? splitter.push(chunk) : splitter.end()) onLine(l);
  };
  const batch = (b: { records: ImportBatch['records']; failed: ImportBatch['failed'] }): ImportBatch => ({ records: b.records, failed: b.failed, rowsRead, bytesRead: o.meter.bytes });

  async function* batches(): AsyncGenerator<ImportBatch> {
    try {
      yield* produce();
    } finally {
      // Stopped early (a file error, or the consumer broke off): release the input.
      if (!finished) input.destroy();
    }
  }

  async function* produce(): AsyncGenerator<ImportBatch> {
    if (o.headErrors.length > 0) {
      input.destroy();
      finished = true;
      return;
    }
    for (const t of o.pendingTokens) onCsvToken(t);
    for (const c of o.headRest) feed(c);
    let done = o.done;
    for (;;) {
      let b;
      while ((b = assembler.takeFull() ?? assembler.takeIfFailedPiling())) yield batch(b);
      if (done) break;
      const r = await o.rest.next();
      if (r.done) {
        done = true;
        o.meter.end();
        if (o.meter.error) break;
        feed(null);
        continue;
      }
      const chunk = toBuffer(r.value);
      if (!o.meter.push(chunk)) break;
      feed(chunk);
    }
    if (o.meter.error) return; // the file is rejected: hand out nothing more
    if (o.done) feed(null);
    let last;
    while ((last = assembler.takeRest())) yield batch(last);
    finished = true;
  }

  return {
    format: o.format,
    headErrors: o.headErrors,
    batches,
    get bytesRead() {
      return o.meter.bytes;
    },
    summary(): FileSummary {
      const errors = o.meter.error && !o.headErrors.includes(o.meter.error) ? [...o.headErrors, o.meter.error] : [...o.headErrors];
      return {
        format: o.format,
        errors,
        warnings: o.warnings,
        columns: dialect?.columns ?? [],
        ...(dialect ? { csvKind: dialect.kind } : {}),
        bytesRead: o.meter.bytes,
        rowsRead,
        checksum: finished ? o.meter.checksum : '',
      };
    },
  };
}
