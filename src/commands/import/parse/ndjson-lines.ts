/**
 * Splits NDJSON bytes into lines (LF or CRLF) with a cap on line length: a longer
 * line is reported once as too large and skipped to its end without keeping its
 * bytes. Line numbers count every physical line, blank ones included.
 */
export type NdjsonLine =
  | { readonly kind: 'line'; readonly line: number; readonly text: string }
  | { readonly kind: 'too_large'; readonly line: number };

export class NdjsonLineSplitter {
  #parts: Buffer[] = [];
  #partBytes = 0;
  #line = 1;
  #skipping = false;
  readonly #maxLineBytes: number;

  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes;
  }

  push(chunk: Buffer): NdjsonLine[] {
    const out: NdjsonLine[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      this.#emit(chunk.subarray(start, nl), out);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (!this.#skipping) {
        if (this.#partBytes + rest.length > this.#maxLineBytes + 1) {
          out.push({ kind: 'too_large', line: this.#line });
          this.#skipping = true;
          this.#parts = [];
          this.#partBytes = 0;
        } else {
          this.#parts.push(Buffer.from(rest));
          this.#partBytes += rest.length;
        }
      }
    }
    return out;
  }

  end(): NdjsonLine[] {
    const out: NdjsonLine[] = [];
    if (this.#partBytes > 0 || this.#skipping) this.#emit(Buffer.alloc(0), out);
    return out;
  }

  #emit(tail: Buffer, out: NdjsonLine[]): void {
    const line = this.#line++;
    if (this.#skipping) {
      this.#skipping = false;
      return;
    }
    let buf = this.#parts.length === 0 ? tail : Buffer.concat([...this.#parts, tail]);
    this.#parts = [];
    this.#partBytes = 0;
    if (buf.length > 0 && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    if (buf.length > this.#maxLineBytes) {
      out.push({ kind: 'too_large', line });
      return;
    }
    const text = buf.toString('utf8');
    if (text.trim() === '') return;
    out.push({ kind: 'line', line, text });
  }
}
