import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { Assembler, failedRow, type RowDraft } from './assemble';
import { mapAuth0PasswordLine, mapAuth0UserLine } from './auth0';
import { CsvTokenizer, type CsvToken } from './csv-tokenizer';
import type { FileIssue } from './issues';
import { analyzeCsvHeader, mapCsvRow, type CsvHeader } from './kinde-csv';
import { mapKindeNdjsonLine } from './kinde-ndjson';
import { NdjsonLineSplitter, type NdjsonLine } from './ndjson-lines';
import type { PasswordHashCheck } from './password-fields';
import { describeJsonError, findOversizedString, isPlainObject, parseJsonSafely } from './safe-json';
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
  if (has('_id') || has('passwordHash')) return 'auth0_passwords';
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
        line: 0, severity: 'error', code: 'FILE_TOO_LARGE', field: null, user_key: null,
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
      line: 0, severity: 'error', code: 'INVALID_ENCODING', field: null, user_key: null, byteOffset: at,
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
  readonly header: CsvHeader | null;
  /** CSV tokens already cut from the head (after the header). */
  readonly pendingTokens: CsvToken[];
  readonly tokenizer: CsvTokenizer | null;
  /** Head bytes not yet handed to a tokenizer or splitter (fed in slices). */
  readonly headRest: Buffer[];
  readonly rest: AsyncIterator<unknown>;
  readonly sink: Writable | undefined;
  readonly done: boolean;
}

async function write(sink: Writable | undefined, chunk: Buffer): Promise<void> {
  if (sink && !sink.write(chunk)) await once(sink, 'drain');
}

const HEAD_SLICE = 16 * 1024;

async function open(input: Readable, options: ParseOptions, sink: Writable | undefined): Promise<Opened> {
  const limits = resolveLimits(options.limits);
  const meter = new FileMeter(limits.maxFileBytes);
  const rest = (input as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const headCap = Math.max(limits.maxLineBytes, limits.maxRecordBytes) + 16;
  const head: Buffer[] = [];
  let headBytes = 0;
  let done = false;

  // 1. Read until the first line is complete (enough to detect and read a CSV header).
  for (;;) {
    const r = await rest.next();
    if (r.done) { done = true; meter.end(); break; }
    const chunk = toBuffer(r.value);
    if (!meter.push(chunk)) break;
    await write(sink, chunk);
    head.push(chunk);
    headBytes += chunk.length;
    if (headBytes > headCap || hasContentLine(chunk, head)) break;
  }
  let headBuf = Buffer.concat(head);
  if (headBuf[0] === 0xef && headBuf[1] === 0xbb && headBuf[2] === 0xbf) headBuf = headBuf.subarray(3); // BOM
  const base = { meter, rest, sink, done, warnings: [] as FileIssue[], pendingTokens: [] as CsvToken[] };
  if (meter.error) return { ...base, format: null, headErrors: [meter.error], header: null, tokenizer: null, headRest: [] };

  // 2. Format: given, or detected.
  const empty = firstContentChar(headBuf) === undefined;
  if (empty && done && options.format === undefined) {
    return { ...base, format: null, headErrors: [fileError('UNSUPPORTED_FORMAT', 'The file is empty.')], header: null, tokenizer: null, headRest: [] };
  }
  const format = options.format ?? detectFormat(headBuf);
  if (format !== 'csv') {
    const firstByte = firstContentChar(headBuf);
    if (firstByte !== undefined && firstByte !== '{') {
      return {
        ...base, format, header: null, tokenizer: null, headRest: [],
        headErrors: [fileError('UNSUPPORTED_FORMAT', `The file does not look like ${format} (NDJSON: one JSON object per line).`)],
      };
    }
    return { ...base, format, headErrors: [], header: null, tokenizer: null, headRest: [headBuf] };
  }

  // 3. CSV: the header is the first record.
  // Only as much of the head as the header needs: the rows after it are fed in
  // slices by the caller (see SLICE in openImport).
  const tokenizer = new CsvTokenizer(limits.maxRecordBytes);
  const tokens: CsvToken[] = [];
  let at = 0;
  while (at < headBuf.length && (tokens.length === 0 || done)) {
    tokens.push(...tokenizer.push(headBuf.subarray(at, at + HEAD_SLICE)));
    at += HEAD_SLICE;
  }
  const headRest = at < headBuf.length ? [headBuf.subarray(at)] : [];
  if (done) tokens.push(...tokenizer.end());
  const first = tokens.shift();
  if (first === undefined || first.kind !== 'record') {
    const why = first === undefined ? 'The file has no header line.' : 'The header line cannot be read (too long or badly quoted).';
    return { ...base, format, header: null, tokenizer: null, headRest: [], headErrors: [fileError('MISSING_REQUIRED_COLUMN', `${why} The first line must name the columns, e.g. email,first_name,last_name.`)] };
  }
  const header = analyzeCsvHeader(first.fields);
  const looksLikeData = header.map.every((c) => c === null);
  if (looksLikeData && options.format === undefined) {
    return { ...base, format, header, tokenizer, headRest, warnings: [], pendingTokens: tokens, headErrors: [fileError('UNSUPPORTED_FORMAT', 'The file is neither NDJSON nor a CSV file with a Kinde header (no known column such as email, phone or id).')] };
  }
  return { ...base, format, header, tokenizer, headRest, warnings: header.warnings, pendingTokens: tokens, headErrors: header.errors };
}

/** Whether the head holds a line break after some non-blank content. */
function hasContentLine(latest: Buffer, all: Buffer[]): boolean {
  if (latest.indexOf(0x0a) < 0) return false;
  const head = all.length === 1 ? all[0]! : Buffer.concat(all);
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  const at = asciiContentStart(head, bom);
  if (at >= 0) return head.indexOf(0x0a, at) >= 0;
  if (at === -1) return false;
  const t = head.toString('utf8').replace(/^\uFEFF/, '').replace(/^\s+/, '');
  return t.includes('\n');
}

/**
 * Index of the first byte that is not ASCII whitespace, when that byte is ASCII;
 * -1 when everything is ASCII whitespace; -2 when a non-ASCII byte comes first
 * (it may be Unicode whitespace: the caller decodes). Decoding a whole 1 MiB head
 * to look at its first character cost more than parsing thousands of rows.
 */
function asciiContentStart(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === 0x20 || (b >= 0x09 && b <= 0x0d)) continue;
    return b < 0x80 ? i : -2;
  }
  return -1;
}

/** The first character after leading whitespace (String.prototype.trim's), or undefined. */
function firstContentChar(buf: Buffer): string | undefined {
  const at = asciiContentStart(buf, 0);
  if (at >= 0) return String.fromCharCode(buf[at]!);
  if (at === -1) return undefined;
  return buf.toString('utf8').trimStart()[0];
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
  const onSinkError = (e: unknown) => { sinkError ??= e; };
  options.sink?.on('error', onSinkError);
  const o = await open(input, options, options.sink);
  let done = o.done;
  while (!done && !o.meter.error && sinkError === null) {
    const r = await o.rest.next();
    if (r.done) { done = true; o.meter.end(); break; }
    const chunk = toBuffer(r.value);
    if (!o.meter.push(chunk)) break;
    await write(o.sink, chunk);
  }
  // Rejected early: the rest of the input is left unread. The caller decides what to
  // do with it (an HTTP handler answers and closes; validateFile closes its file).
  if (options.sink) {
    options.sink.end();
    options.sink.off('error', onSinkError);
  }
  if (sinkError !== null) throw sinkError;
  const errors = o.meter.error && !o.headErrors.includes(o.meter.error) ? [...o.headErrors, o.meter.error] : o.headErrors;
  return {
    ok: errors.length === 0,
    format: o.format,
    errors,
    warnings: o.warnings,
    columns: o.header?.columns ?? [],
    ...(o.header ? { csvKind: o.header.kind } : {}),
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
  const o = await open(input, options, undefined);
  const assembler = new Assembler(batchSize);
  let rowsRead = 0;
  let finished = false;

  const header = o.header;
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
        // One pass over the fields: all blank (a skipped line), and the first one over the byte cap.
        let blank = true;
        let big = -1;
        const fields = t.fields;
        for (let i = 0; i < fields.length; i++) {
          const f = fields[i]!;
          if (blank && f !== '' && f.trim() !== '') blank = false;
          if (big < 0 && f.length > maxFieldChars && Buffer.byteLength(f, 'utf8') > limits.maxFieldBytes) big = i;
        }
        if (blank) { rowsRead--; return; }
        if (fields.length !== header!.columns.length) {
          assembler.addFailed(failedRow(t.line, raw, 'MALFORMED_ROW', null, `The row has ${t.fields.length} fields but the header has ${header!.columns.length}.`));
          return;
        }
        if (big >= 0) {
          const name = header!.map[big] ?? `column ${big + 1}`;
          assembler.addFailed(failedRow(t.line, raw, 'ROW_TOO_LARGE', name, `The value of ${name} is larger than the limit of ${limits.maxFieldBytes} bytes.`));
          return;
        }
        assembler.addDraft(mapCsvRow(header!, t.line, raw, t.fields, checkHash));
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
      case 'kinde_ndjson': return mapKindeNdjsonLine(value, line, raw, checkHash);
      case 'auth0': return mapAuth0UserLine(value, line, raw);
      case 'auth0_passwords': return mapAuth0PasswordLine(value, line, raw, checkHash);
      case 'csv':
      case null:
        throw new Error('mapLine called for a non-NDJSON format');
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

  const splitter = o.format !== null && o.format !== 'csv' ? new NdjsonLineSplitter(limits.maxLineBytes) : null;
  const feed = (chunk: Buffer | null): void => {
    if (o.tokenizer) for (const t of chunk ? o.tokenizer.push(chunk) : o.tokenizer.end()) onCsvToken(t);
    else if (splitter) for (const l of chunk ? splitter.push(chunk) : splitter.end()) onLine(l);
  };
  // Input chunks can be 1 MiB (thousands of rows). Fed whole, every row of the chunk
  // was alive until the chunk was done: young-generation GC copied them all, twice.
  // Fed in slices with batches handed out in between, about one batch is alive.
  const SLICE = 64 * 1024;
  const batch = (b: { records: ImportBatch['records']; failed: ImportBatch['failed'] }): ImportBatch =>
    ({ records: b.records, failed: b.failed, rowsRead, bytesRead: o.meter.bytes });

  async function* batches(): AsyncGenerator<ImportBatch> {
    try {
      yield* produce();
    } finally {
      // Stopped early (a file error, or the consumer broke off): release the input.
      if (!finished) input.destroy();
    }
  }

  async function* produce(): AsyncGenerator<ImportBatch> {
    if (o.headErrors.length > 0) { input.destroy(); finished = true; return; }
    let b;
    for (const t of o.pendingTokens) onCsvToken(t);
    for (const c of o.headRest) {
      for (let at = 0; at < c.length; at += SLICE) {
        feed(c.subarray(at, at + SLICE));
        while ((b = assembler.takeFull() ?? assembler.takeIfFailedPiling())) yield batch(b);
      }
    }
    let done = o.done;
    for (;;) {
      while ((b = assembler.takeFull() ?? assembler.takeIfFailedPiling())) yield batch(b);
      if (done) break;
      const r = await o.rest.next();
      if (r.done) { done = true; o.meter.end(); if (o.meter.error) break; feed(null); continue; }
      const chunk = toBuffer(r.value);
      if (!o.meter.push(chunk)) break;
      let at = 0;
      for (; at + SLICE < chunk.length; at += SLICE) {
        feed(chunk.subarray(at, at + SLICE));
        while ((b = assembler.takeFull() ?? assembler.takeIfFailedPiling())) yield batch(b);
      }
      feed(at === 0 ? chunk : chunk.subarray(at));
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
    get bytesRead() { return o.meter.bytes; },
    summary(): FileSummary {
      const errors = o.meter.error && !o.headErrors.includes(o.meter.error) ? [...o.headErrors, o.meter.error] : [...o.headErrors];
      return {
        format: o.format,
        errors,
        warnings: o.warnings,
        columns: header?.columns ?? [],
        ...(header ? { csvKind: header.kind } : {}),
        bytesRead: o.meter.bytes,
        rowsRead,
        checksum: finished ? o.meter.checksum : '',
      };
    },
  };
}
