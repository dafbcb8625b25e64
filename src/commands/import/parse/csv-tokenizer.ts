import { decodeUtf8 } from './utf8';

/**
 * A streaming RFC 4180 tokenizer. Not csv-parse: csv-parse 7 stops the whole parse
 * after a `max_record_size` error (every later row would be lost instead of one
 * ROW_TOO_LARGE), and its line counter cannot give the physical line where a
 * record starts.
 *
 * Rules: fields separated by `,`, records by LF or CRLF; a field starting with `"`
 * is quoted (`""` is a quote, newlines allowed) and must be followed by `,` or the
 * end of the record; a `"` inside an unquoted field is taken literally. Blank lines
 * are skipped. A record longer than maxRecordBytes is skipped (quote-aware) and
 * reported once; memory stays bounded by that cap.
 *
 * Speed: each chunk is decoded once, up to its last LF (a UTF-8 sequence never
 * contains an LF, so the cut is always on a character boundary), and records are
 * cut from that string: a line without a quote is one `split(',')`, which costs a
 * fraction of decoding every field from the Buffer on its own. Byte caps stay
 * exact: a string of n UTF-16 units is at most 3n UTF-8 bytes, so the byte length
 * is only computed for a record that could be over the cap.
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
const EMPTY = Buffer.alloc(0);

/** Outcome of scanning one record that has a quote (see #scanQuoted). */
const NEED_MORE = -1;

export class CsvTokenizer {
  /** Decoded text of an unfinished record (it has a quoted line break), from its first character. */
  #pending = '';
  /** Bytes after the last LF seen: not decoded yet. */
  #tail: Buffer = EMPTY;
  #line = 1; // physical line of the first character of #pending (or #tail when #pending is empty)
  #skipping: { inQuotes: boolean; line: number; prevQuote: boolean } | null = null;
  readonly #maxRecordBytes: number;
  // Results of #scanQuoted (fields to avoid allocating a result object per record).
  #scanEnd = 0;
  #scanNewlines = 0;
  #scanReason = '';

  constructor(maxRecordBytes: number) {
    this.#maxRecordBytes = maxRecordBytes;
  }

  /** Feeds bytes; returns the tokens completed by them. */
  push(chunk: Buffer): CsvToken[] {
    const out: CsvToken[] = [];
    this.#push(chunk, out);
    return out;
  }

  /** End of input: the last record may lack a line break. */
  end(): CsvToken[] {
    const out: CsvToken[] = [];
    if (this.#skipping) {
      this.#skipping = null;
      return out;
    }
    const text = this.#pending + decodeUtf8(this.#tail, 0, this.#tail.length);
    this.#pending = '';
    this.#tail = EMPTY;
    this.#tokenize(text, true, out);
    return out;
  }

  #push(chunk: Buffer, out: CsvToken[]): void {
    if (this.#skipping) {
      chunk = this.#skip(chunk);
      if (this.#skipping) return;
    }
    const data = this.#tail.length === 0 ? chunk : Buffer.concat([this.#tail, chunk]);
    const lastLf = data.lastIndexOf(LF);
    if (lastLf < 0) {
      this.#tail = data;
    } else {
      const text = this.#pending + decodeUtf8(data, 0, lastLf + 1);
      this.#tail = data.subarray(lastLf + 1);
      this.#pending = text.substring(this.#tokenize(text, false, out));
    }
    // An unfinished record over the cap: report it, then skip to its end without keeping its bytes.
    const unfinished = this.#pending.length * 3 + this.#tail.length > this.#maxRecordBytes ? Buffer.byteLength(this.#pending, 'utf8') + this.#tail.length : 0;
    if (unfinished > this.#maxRecordBytes) {
      const bytes = Buffer.concat([Buffer.from(this.#pending, 'utf8'), this.#tail]);
      this.#pending = '';
      this.#tail = EMPTY;
      out.push({ kind: 'too_large', line: this.#line, text: '' });
      this.#skipping = { inQuotes: false, line: this.#line, prevQuote: false };
      const rest = this.#skip(bytes);
      if (!this.#skipping && rest.length > 0) this.#push(rest, out);
    }
  }

  /**
   * Cuts the records of `text` (which ends with an LF unless `eof`) into `out`.
   * Returns where the first unfinished record starts (text.length if none).
   */
  #tokenize(text: string, eof: boolean, out: CsvToken[]): number {
    const n = text.length;
    const max = this.#maxRecordBytes;
    let p = 0;
    let quoteAt = -2; // index of the next quote at or after p (-1: none left); -2: not looked up yet
    for (;;) {
      // Blank lines between records.
      for (;;) {
        const c = text.charCodeAt(p);
        if (c === LF) {
          p++;
          this.#line++;
        } else if (c === CR && text.charCodeAt(p + 1) === LF) {
          p += 2;
          this.#line++;
        } else break;
      }
      if (p >= n) return n;
      let lf = text.indexOf('\n', p);
      if (lf < 0) lf = n; // only at eof
      if (quoteAt !== -1 && quoteAt < p) quoteAt = text.indexOf('"', p);
      const line = this.#line;
      if (quoteAt === -1 || quoteAt >= lf) {
        // No quote on this line: the fields are the line split at commas.
        const end = lf < n ? lf + 1 : n;
        const contentEnd = lf < n && lf > p && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
        if (lf < n) this.#line++;
        if ((end - p) * 3 > max && Buffer.byteLength(text.substring(p, end), 'utf8') > max) {
          out.push({ kind: 'too_large', line, text: '' });
        } else {
          out.push({ kind: 'record', line, fields: text.substring(p, contentEnd).split(',') });
        }
        p = end;
        continue;
      }
      // A quote on this line: scan character by character (a quoted field may span lines).
      const fields: string[] = [];
      const ok = this.#scanQuoted(text, p, eof, fields);
      if (ok === NEED_MORE) return p;
      const end = this.#scanEnd;
      this.#line += this.#scanNewlines;
      if ((end - p) * 3 > max && Buffer.byteLength(text.substring(p, end), 'utf8') > max) {
        out.push({ kind: 'too_large', line, text: '' });
      } else if (ok === 1) {
        out.push({ kind: 'record', line, fields });
      } else {
        out.push({ kind: 'malformed', line, text: stripEol(text.substring(p, end)), reason: this.#scanReason });
      }
      p = end;
    }
  }

  /**
   * Scans one record starting at `start` into `fields`: 1 = a record, 0 =
   * malformed (#scanReason), NEED_MORE = the text ends inside it. #scanEnd is
   * after the record's line break, #scanNewlines the line breaks it spans.
   */
  #scanQuoted(text: string, start: number, eof: boolean, fields: string[]): number {
    // Jumps with indexOf from one delimiter to the next instead of testing every character.
    const n = text.length;
    let i = start;
    let newlines = 0;
    let lf = text.indexOf('\n', i); // the next LF at or after i (-1: none)
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        let j = i + 1;
        let value = '';
        let segStart = j;
        let q: number;
        for (;;) {
          q = text.indexOf('"', j);
          if (q < 0) {
            if (!eof) return NEED_MORE;
            newlines += countLf(text, j, n);
            return this.#malformed('a quoted field is not closed before the end of the file', n, newlines);
          }
          if (q + 1 >= n && !eof) return NEED_MORE;
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.substring(segStart, q + 1);
            j = q + 2;
            segStart = j;
            continue;
          }
          break;
        }
        if (lf >= 0 && lf < q) {
          // line breaks inside the quotes
          newlines += countLf(text, lf, q);
          lf = text.indexOf('\n', q);
        }
        fields.push(value === '' ? text.substring(segStart, q) : value + text.substring(segStart, q));
        i = q + 1; // after the closing quote
        if (i >= n) {
          if (!eof) return NEED_MORE;
          return this.#record(i, newlines);
        }
        const next = text.charCodeAt(i);
        if (next === COMMA) {
          i++;
          continue;
        }
        if (next === LF) return this.#record(i + 1, newlines + 1);
        if (next === CR) {
          if (i + 1 >= n && !eof) return NEED_MORE;
          if (text.charCodeAt(i + 1) === LF) return this.#record(i + 2, newlines + 1);
        }
        // Garbage after a closing quote: the record is malformed; resync at the end of this line.
        let k = i;
        let inQ = false;
        for (; k < n; k++) {
          const b = text.charCodeAt(k);
          if (b === QUOTE) inQ = !inQ;
          else if (b === LF) {
            newlines++;
            if (!inQ) break;
          }
        }
        if (k >= n && !eof) return NEED_MORE;
        return this.#malformed('a quoted field must be followed by a comma or the end of the line', Math.min(k + 1, n), newlines);
      }
      // An unquoted field ends at a comma, or at the LF (or CRLF) that ends the line.
      const comma = text.indexOf(',', i);
      const lineEnd = lf < 0 ? n : lf;
      if (comma >= 0 && comma < lineEnd) {
        fields.push(text.substring(i, comma));
        i = comma + 1;
        continue;
      }
      if (lf < 0) {
        if (!eof) return NEED_MORE;
        fields.push(text.substring(i, n));
        return this.#record(n, newlines);
      }
      const crlf = lf > i && text.charCodeAt(lf - 1) === CR;
      fields.push(text.substring(i, crlf ? lf - 1 : lf));
      return this.#record(lf + 1, newlines + 1);
    }
  }

  #record(end: number, newlines: number): number {
    this.#scanEnd = end;
    this.#scanNewlines = newlines;
    return 1;
  }

  #malformed(reason: string, end: number, newlines: number): number {
    this.#scanEnd = end;
    this.#scanNewlines = newlines;
    this.#scanReason = reason;
    return 0;
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
    return EMPTY;
  }
}

function stripEol(s: string): string {
  if (s.endsWith('\r\n')) return s.slice(0, -2);
  if (s.endsWith('\n')) return s.slice(0, -1);
  return s;
}

/** LFs in text[from, to). */
function countLf(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}
