import { decodeUtf8 } from './utf8';

/**
 * Splits NDJSON bytes into lines (LF or CRLF) with a cap on line length: a longer
 * line is reported once as too large and skipped to its end without keeping its
 * bytes. Line numbers count every physical line, blank ones included.
 *
 * Each chunk is decoded once, up to its last LF (never inside a UTF-8 sequence),
 * and lines are cut from that string; the bytes after the last LF wait for the
 * next chunk. The cap stays exact in bytes: a line of n UTF-16 units has at most
 * 3n UTF-8 bytes, so its byte length is only computed when it could be over.
 */
export type NdjsonLine = { readonly kind: 'line'; readonly line: number; readonly text: string } | { readonly kind: 'too_large'; readonly line: number };

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

export class NdjsonLineSplitter {
  /** Bytes after the last LF: the start of a line not complete yet. */
  #tail: Buffer = EMPTY;
  #line = 1;
  #skipping = false;
  readonly #maxLineBytes: number;

  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes;
  }

  push(chunk: Buffer): NdjsonLine[] {
    const out: NdjsonLine[] = [];
    if (this.#skipping) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) return out;
      this.#skipping = false; // the too-large line ends here
      this.#line++;
      chunk = chunk.subarray(nl + 1);
    }
    const data = this.#tail.length === 0 ? chunk : Buffer.concat([this.#tail, chunk]);
    const lastLf = data.lastIndexOf(LF);
    if (lastLf >= 0) {
      const text = decodeUtf8(data, 0, lastLf + 1);
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        this.#emit(text, start, nl, out);
        start = nl + 1;
      }
    }
    const rest = lastLf < 0 ? data : data.subarray(lastLf + 1);
    if (rest.length > this.#maxLineBytes + 1) {
      // +1: the CR of a CRLF
      out.push({ kind: 'too_large', line: this.#line });
      this.#skipping = true;
      this.#tail = EMPTY;
    } else {
      this.#tail = rest;
    }
    return out;
  }

  end(): NdjsonLine[] {
    const out: NdjsonLine[] = [];
    if (this.#skipping) {
      this.#skipping = false;
      this.#line++;
    } else if (this.#tail.length > 0) {
      const text = decodeUtf8(this.#tail, 0, this.#tail.length);
      this.#tail = EMPTY;
      this.#emit(text, 0, text.length, out);
    }
    return out;
  }

  /** The line text[start, end) (end: its LF, or the end of the input). */
  #emit(text: string, start: number, end: number, out: NdjsonLine[]): void {
    const line = this.#line++;
    if (end > start && text.charCodeAt(end - 1) === CR) end--;
    const max = this.#maxLineBytes;
    if ((end - start) * 3 > max && Buffer.byteLength(text.substring(start, end), 'utf8') > max) {
      out.push({ kind: 'too_large', line });
      return;
    }
    const s = text.substring(start, end);
    if (s.charCodeAt(0) !== 0x7b /* { */ && s.trim() === '') return;
    out.push({ kind: 'line', line, text: s });
  }
}
