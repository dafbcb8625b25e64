/**
 * A streaming RFC 4180 tokenizer over bytes. Not csv-parse: csv-parse 7 stops the
 * whole parse after a `max_record_size` error (every later row would be lost
 * instead of one ROW_TOO_LARGE), and its line counter cannot give the physical line
 * where a record starts. Tokenizing bytes is safe for UTF-8 (a multi-byte
 * character never contains `,` `"` CR or LF) and makes the byte caps exact.
 *
 * Rules: fields separated by `,`, records by LF or CRLF; a field starting with `"`
 * is quoted (`""` is a quote, newlines allowed) and must be followed by `,` or the
 * end of the record; a `"` inside an unquoted field is taken literally. Blank lines
 * are skipped. A record longer than maxRecordBytes is skipped (quote-aware) and
 * reported once; memory stays bounded by that cap.
 */
export type CsvToken =
  /** `text` is not kept for a good record: its fields are (the failed-rows file writes fields). */
  | { readonly kind: 'record'; readonly line: number; readonly fields: string[] }
  | { readonly kind: 'malformed'; readonly line: number; readonly text: string; readonly reason: string }
  | { readonly kind: 'too_large'; readonly line: number; readonly text: string };

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

type Scan =
  | { readonly kind: 'need_more' }
  | { readonly kind: 'record'; readonly fields: string[]; readonly end: number; readonly newlines: number }
  | { readonly kind: 'malformed'; readonly reason: string; readonly end: number; readonly newlines: number };

export class CsvTokenizer {
  #buf: Buffer = Buffer.alloc(0);
  #line = 1; // physical line of #buf[0]
  #skipping: { inQuotes: boolean; line: number; prevQuote: boolean } | null = null;
  readonly #maxRecordBytes: number;

  constructor(maxRecordBytes: number) {
    this.#maxRecordBytes = maxRecordBytes;
  }

  /** Feeds bytes; returns the tokens completed by them. */
  push(chunk: Buffer): CsvToken[] {
    const out: CsvToken[] = [];
    if (this.#skipping) {
      chunk = this.#skip(chunk);
      if (this.#skipping) return out;
    }
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    this.#drain(false, out);
    return out;
  }

  /** End of input: the last record may lack a line break. */
  end(): CsvToken[] {
    const out: CsvToken[] = [];
    if (this.#skipping) {
      this.#skipping = null;
      return out;
    }
    this.#drain(true, out);
    return out;
  }

  #drain(eof: boolean, out: CsvToken[]): void {
    let start = 0;
    const buf = this.#buf;
    for (;;) {
      // Blank lines between records.
      while (start < buf.length && (buf[start] === LF || (buf[start] === CR && buf[start + 1] === LF))) {
        start += buf[start] === CR ? 2 : 1;
        this.#line++;
      }
      if (start >= buf.length || (!eof && start === buf.length - 1 && buf[start] === CR)) break;
      const s = scanRecord(buf, start, eof);
      if (s.kind === 'need_more') {
        if (buf.length - start > this.#maxRecordBytes) {
          // Too large: report it, then skip to its end without keeping its bytes.
          const line = this.#line;
          out.push({ kind: 'too_large', line, text: '' });
          this.#skipping = { inQuotes: false, line, prevQuote: false };
          const rest = this.#skip(buf.subarray(start));
          this.#buf = Buffer.alloc(0);
          if (!this.#skipping && rest.length > 0) {
            this.#buf = rest;
            this.#drain(eof, out);
          }
          return;
        }
        break;
      }
      const bytes = s.end - start;
      const line = this.#line;
      this.#line += s.newlines;
      start = s.end;
      if (bytes > this.#maxRecordBytes) out.push({ kind: 'too_large', line, text: '' });
      else if (s.kind === 'record') out.push({ kind: 'record', line, fields: s.fields });
      else out.push({ kind: 'malformed', line, text: stripEol(buf.toString('utf8', start - bytes, s.end)), reason: s.reason });
    }
    this.#buf = start === 0 ? buf : Buffer.from(buf.subarray(start));
  }

  /** Skips bytes of a too-large record, quote-aware; returns what follows it. */
  #skip(chunk: Buffer): Buffer {
    const st = this.#skipping!;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === QUOTE) {
        st.inQuotes = !st.inQuotes;
      } else if (b === LF) {
        this.#line++;
        if (!st.inQuotes) {
          this.#skipping = null;
          return chunk.subarray(i + 1);
        }
      }
    }
    return Buffer.alloc(0);
  }
}

function stripEol(s: string): string {
  if (s.endsWith('\r\n')) return s.slice(0, -2);
  if (s.endsWith('\n')) return s.slice(0, -1);
  return s;
}

/** Scans one record starting at `start`. `end` includes the record's line break. */
function scanRecord(buf: Buffer, start: number, eof: boolean): Scan {
  const fields: string[] = [];
  let i = start;
  let newlines = 0;
  for (;;) {
    // One field.
    if (buf[i] === QUOTE) {
      let j = i + 1;
      let parts: string[] | null = null;
      let segStart = j;
      for (;;) {
        if (j >= buf.length) {
          if (!eof) return { kind: 'need_more' };
          return { kind: 'malformed', reason: 'a quoted field is not closed before the end of the file', end: buf.length, newlines };
        }
        const b = buf[j]!;
        if (b === QUOTE) {
          if (j + 1 >= buf.length && !eof) return { kind: 'need_more' };
          if (buf[j + 1] === QUOTE) {
            (parts ??= []).push(buf.toString('utf8', segStart, j + 1));
            j += 2;
            segStart = j;
            continue;
          }
          break;
        }
        if (b === LF) newlines++;
        j++;
      }
      const last = buf.toString('utf8', segStart, j);
      fields.push(parts === null ? last : parts.join('') + last);
      i = j + 1; // after the closing quote
      const next = buf[i];
      if (next === COMMA) { i++; continue; }
      if (next === undefined) {
        if (!eof) return { kind: 'need_more' };
        return { kind: 'record', fields, end: i, newlines };
      }
      if (next === LF) return { kind: 'record', fields, end: i + 1, newlines: newlines + 1 };
      if (next === CR) {
        if (i + 1 >= buf.length && !eof) return { kind: 'need_more' };
        if (buf[i + 1] === LF) return { kind: 'record', fields, end: i + 2, newlines: newlines + 1 };
      }
      // Garbage after a closing quote: the record is malformed; resync at the end of this line.
      let k = i;
      let inQ = false;
      for (; k < buf.length; k++) {
        const b = buf[k]!;
        if (b === QUOTE) inQ = !inQ;
        else if (b === LF) { newlines++; if (!inQ) break; }
      }
      if (k >= buf.length && !eof) return { kind: 'need_more' };
      return { kind: 'malformed', reason: 'a quoted field must be followed by a comma or the end of the line', end: Math.min(k + 1, buf.length), newlines };
    }
    let j = i;
    while (j < buf.length) {
      const b = buf[j]!;
      if (b === COMMA || b === LF) break;
      if (b === CR && buf[j + 1] === LF) break;
      if (b === CR && j + 1 >= buf.length && !eof) return { kind: 'need_more' };
      j++;
    }
    if (j >= buf.length) {
      if (!eof) return { kind: 'need_more' };
      fields.push(buf.toString('utf8', i, j));
      return { kind: 'record', fields, end: j, newlines };
    }
    fields.push(buf.toString('utf8', i, j));
    const b = buf[j]!;
    if (b === COMMA) { i = j + 1; continue; }
    if (b === LF) return { kind: 'record', fields, end: j + 1, newlines: newlines + 1 };
    return { kind: 'record', fields, end: j + 2, newlines: newlines + 1 }; // CRLF
  }
}
