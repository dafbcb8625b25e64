import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { CsvDialect } from './csv-dialect';
import { CsvTokenizer, type CsvToken } from './csv-tokenizer';
import { chooseCsvDialect, CSV_ONLY_FORMATS, DETECT_BYTES, detectFormat, detectJsonDocument, isJsonDocument, JSON_DOCUMENT_FORMATS } from './detect';
import { FileMeter, toBuffer } from './file-meter';
import type { FileIssue } from './issues';
import { jsonRecordPaths } from './json-document';
import type { ParseOptions } from './parse';
import { resolveLimits, type ImportFormat } from './types';
import { decodeUtf8 } from './utf8';

// Opening a file, shared by both passes (parse.ts): head, detection, header

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
  /** Head bytes not yet handed to a tokenizer or splitter (openImport feeds them in slices). */
  readonly headRest: Buffer[];
  readonly rest: AsyncIterator<unknown>;
  readonly sink: Writable | undefined;
  readonly done: boolean;
}

export async function write(sink: Writable | undefined, chunk: Buffer): Promise<void> {
  if (sink && !sink.write(chunk)) await once(sink, 'drain');
}

const HEAD_SLICE = 16 * 1024;

export async function open(input: Readable, options: ParseOptions, sink: Writable | undefined): Promise<Opened> {
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
  if (!done && !meter.error && isJsonDocument(decodeHead(head).replace(/^\uFEFF/, ''))) {
    while (headBytes < DETECT_BYTES && (await readMore()));
  }
  let headBuf = Buffer.concat(head);
  if (headBuf[0] === 0xef && headBuf[1] === 0xbb && headBuf[2] === 0xbf) headBuf = headBuf.subarray(3); // BOM
  const base = { meter, rest, sink, done, warnings: [] as FileIssue[], pendingTokens: [] as CsvToken[], dialect: null, tokenizer: null, jsonPaths: null, headRest: [] as Buffer[] };
  if (meter.error) return { ...base, format: null, headErrors: [meter.error] };

  // 2. Format: given, or detected; and the file's shape (CSV, NDJSON or one JSON document).
  const headText = decodeUtf8(headBuf, 0, headBuf.length);
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
  // Only as much of the head as the header needs: the rows after it are fed in
  // slices by openImport (a 1 MiB head cut whole kept thousands of rows alive at once).
  const tokenizer = new CsvTokenizer(limits.maxRecordBytes);
  const tokens: CsvToken[] = [];
  let at = 0;
  while (at < headBuf.length && (tokens.length === 0 || done)) {
    for (const t of tokenizer.push(headBuf.subarray(at, at + HEAD_SLICE))) tokens.push(t);
    at += HEAD_SLICE;
  }
  const headRest = at < headBuf.length ? [headBuf.subarray(at)] : [];
  if (done) tokens.push(...tokenizer.end());
  const first = tokens.shift();
  if (first === undefined || first.kind !== 'record') {
    const why = first === undefined ? 'The file has no header line.' : 'The header line cannot be read (too long or badly quoted).';
    return { ...base, format: options.format ?? 'csv', headErrors: [fileError('MISSING_REQUIRED_COLUMN', `${why} The first line must name the columns, e.g. email,first_name,last_name.`)] };
  }
  const chosen = chooseCsvDialect(first.fields, options);
  if ('error' in chosen) return { ...base, format: chosen.format, tokenizer, pendingTokens: tokens, headRest, headErrors: [chosen.error] };
  const dialect = chosen.dialect;
  if (dialect.firstRecordIsData) tokens.unshift(first);
  return { ...base, format: dialect.format, dialect, tokenizer, warnings: dialect.warnings, pendingTokens: tokens, headRest, headErrors: dialect.errors };
}

/** Whether the head holds a line break after some non-blank content. */
function hasContentLine(latest: Buffer, all: Buffer[]): boolean {
  if (latest.indexOf(0x0a) < 0) return false;
  const text = decodeHead(all);
  const t = text.replace(/^\uFEFF/, '').replace(/^\s+/, '');
  return t.includes('\n');
}

function decodeHead(head: readonly Buffer[]): string {
  const buf = head.length === 1 ? head[0]! : Buffer.concat(head);
  return decodeUtf8(buf, 0, buf.length);
}

export function malformedDocument(record: number, reason: string): FileIssue {
  return fileError('UNSUPPORTED_FORMAT', `The JSON document is not valid JSON at or after record ${record}: ${reason}.`);
}

function fileError(code: 'MISSING_REQUIRED_COLUMN' | 'UNSUPPORTED_FORMAT', message: string): FileIssue {
  return { line: code === 'MISSING_REQUIRED_COLUMN' ? 1 : 0, severity: 'error', code, field: null, message, user_key: null };
}
