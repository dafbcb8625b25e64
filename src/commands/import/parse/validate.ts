import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { toBuffer } from './file-meter';
import type { FileIssue } from './issues';
import { JsonDocumentSplitter, type JsonRecord } from './json-document';
import { malformedDocument, open, write } from './open-file';
import type { ParseOptions } from './parse';
import type { FileSummary } from './types';

// Pass 1 of the two (parse.ts): every file-level problem, before anything is applied.

export interface FileValidation extends Omit<FileSummary, 'rowsRead'> {
  readonly ok: boolean;
}

/**
 * Reads the whole input once and reports every file-level problem (see the top of
 * parse.ts). With `sink`, every byte is also written there (spooling an HTTP body
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
