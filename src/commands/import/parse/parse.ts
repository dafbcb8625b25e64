import type { Readable } from 'node:stream';
import { Assembler, failedRow, type RowDraft } from './assemble';
import { mapAuth0PasswordLine, mapAuth0UserLine } from './auth0';
import type { ColumnMap } from './column-map';
import type { CsvToken } from './csv-tokenizer';
import { mapFirebaseUser, type FirebaseHashConfig } from './firebase';
import type { FileIssue } from './issues';
import { toBuffer } from './file-meter';
import { JsonDocumentSplitter, type JsonRecord } from './json-document';
import { mapKeycloakUser } from './keycloak';
import { mapKindeNdjsonLine } from './kinde-ndjson';
import { NdjsonLineSplitter, type NdjsonLine } from './ndjson-lines';
import { malformedDocument, open } from './open-file';
import type { PasswordHashCheck } from './password-fields';
import { describeJsonError, findOversizedString, isPlainObject, parseJsonSafely } from './safe-json';
import { mapSupabaseJsonUser } from './supabase';
import { resolveLimits, type FileSummary, type ImportBatch, type ImportFormat, type ParseLimits } from './types';

/*
 * Two passes, so that a file error means nothing at all is applied:
 *
 * 1. `validateImport(input, { sink })` (or `validateFile(path)`, validate.ts) reads every byte
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

// Pass 2 (pass 1 is validate.ts; the shared opening of a file is open-file.ts)

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
  const maxFieldChars = limits.maxFieldBytes / 3; // a string of n UTF-16 units has at most 3n UTF-8 bytes
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
        // One pass over the fields, without a callback per row: all blank (a skipped line), and the first one over the byte cap.
        let blank = true;
        let big = -1;
        const fields = t.fields;
        for (let i = 0; i < fields.length; i++) {
          const f = fields[i]!;
          if (blank && f !== '' && f.trim() !== '') blank = false;
          if (big < 0 && f.length > maxFieldChars && Buffer.byteLength(f, 'utf8') > limits.maxFieldBytes) big = i;
        }
        if (blank) {
          rowsRead--;
          return;
        }
        const min = dialect!.width[0];
        const max = dialect!.width[1];
        if (t.fields.length < min || t.fields.length > max) {
          const want = min === max ? `${min}` : `${min} to ${max}`;
          assembler.addFailed(failedRow(t.line, raw, 'MALFORMED_ROW', null, `The row has ${t.fields.length} fields but the ${dialect!.firstRecordIsData ? 'format' : 'header'} has ${want}.`));
          return;
        }
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
    // A parsed string is never longer than the line it came from, and has at most 3
    // UTF-8 bytes a unit: only a line of more than maxFieldBytes / 3 units needs the walk.
    const big = l.text.length > maxFieldChars ? findOversizedString(value, limits.maxFieldBytes) : null;
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
    const big = text.length > maxFieldChars ? findOversizedString(value, limits.maxFieldBytes) : null; // as for a line
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
  // Input chunks can be 1 MiB (thousands of rows). Fed whole, every row of the chunk
  // was alive until the chunk was done: young-generation GC copied them all, twice.
  // Fed in slices with batches handed out in between, about one batch is alive.
  const SLICE = 64 * 1024;
  const batch = (b: { records: ImportBatch['records']; failed: ImportBatch['failed'] }): ImportBatch => ({ records: b.records, failed: b.failed, rowsRead, bytesRead: o.meter.bytes });

  /** Feeds a chunk slice by slice, handing out the batches each slice completes. */
  function* fedInSlices(chunk: Buffer): Generator<ImportBatch> {
    for (let at = 0; at < chunk.length; at += SLICE) {
      feed(chunk.subarray(at, at + SLICE));
      let b;
      while ((b = assembler.takeFull() ?? assembler.takeIfFailedPiling())) yield batch(b);
    }
  }

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
    for (const c of o.headRest) yield* fedInSlices(c);
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
      yield* fedInSlices(chunk);
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
