import { isAscii, isUtf8 } from 'node:buffer';

/**
 * Streaming UTF-8 validation that reports the byte offset of the first invalid
 * byte (TextDecoder's fatal mode throws without one). Fast path: `isUtf8` on each
 * chunk (native); only a failing chunk is scanned by hand. A sequence split across
 * chunks is carried over (at most 3 bytes).
 */
export class Utf8Validator {
  #offset = 0; // file offset of the first byte of #carry
  #carry: Buffer = Buffer.alloc(0);
  #invalidAt: number | null = null;

  /** The offset of the first invalid byte, or null while everything is valid. */
  get invalidAt(): number | null {
    return this.#invalidAt;
  }

  push(chunk: Buffer): void {
    if (this.#invalidAt !== null) return;
    const buf = this.#carry.length > 0 ? Buffer.concat([this.#carry, chunk]) : chunk;
    const cut = completePrefixLength(buf);
    const body = cut === buf.length ? buf : buf.subarray(0, cut);
    if (!isUtf8(body)) {
      this.#invalidAt = this.#offset + firstInvalidUtf8(body);
      return;
    }
    this.#offset += cut;
    this.#carry = cut === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(cut));
  }

  /** Call at end of input: a truncated final sequence is invalid. */
  end(): void {
    if (this.#invalidAt === null && this.#carry.length > 0) {
      this.#invalidAt = this.#offset + firstInvalidUtf8(this.#carry);
    }
  }
}

/** Length of `buf` without a trailing, possibly incomplete multi-byte sequence. */
function completePrefixLength(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/** Index of the first byte that starts an invalid (or truncated) sequence; buf.length if valid. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  const n = buf.length;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= n) return i; // truncated
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return n;
}

/**
 * `buf.toString('utf8', start, end)`, faster for the usual exports: bytes that are
 * all ASCII are decoded as Latin-1 (the same string: a byte copy instead of V8's
 * UTF-8 decoder), and so is text whose only other characters are U+0080-U+00FF
 * (é, ü, ñ, ø: Western European names), after folding each of their two-byte
 * sequences into its one Latin-1 byte. Anything else goes to the UTF-8 decoder.
 */
export function decodeUtf8(buf: Buffer, start: number, end: number): string {
  const bytes = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  if (isAscii(bytes)) return bytes.toString('latin1');
  const n = foldToLatin1(bytes);
  return n < 0 ? bytes.toString('utf8') : scratch.toString('latin1', 0, n);
}

/** Where foldToLatin1 writes; grown as needed, never shrunk (the decoded string is a copy). */
let scratch: Buffer = Buffer.alloc(0);

const C2 = 0xc2; // lead byte of U+0080-U+00BF
const C3 = 0xc3; // lead byte of U+00C0-U+00FF

/**
 * Writes `bytes` to `scratch` as Latin-1 and returns its length, when every
 * non-ASCII byte belongs to a C2/C3 lead and its continuation byte (exactly the
 * UTF-8 encodings of U+0080-U+00FF); else -1, and the caller decodes UTF-8.
 * The segments between leads are checked with isAscii, so a stray or other byte
 * (another script, an invalid sequence) is never folded.
 */
function foldToLatin1(bytes: Buffer): number {
  const end = bytes.length;
  if (scratch.length < end) scratch = Buffer.allocUnsafe(Math.max(end, 64 * 1024));
  let c2 = bytes.indexOf(C2);
  let c3 = bytes.indexOf(C3);
  let from = 0;
  let w = 0;
  for (;;) {
    const lead = c2 < 0 ? c3 : c3 < 0 ? c2 : Math.min(c2, c3);
    const segmentEnd = lead < 0 ? end : lead;
    if (segmentEnd > from) {
      if (!isAscii(bytes.subarray(from, segmentEnd))) return -1;
      w += bytes.copy(scratch, w, from, segmentEnd);
    }
    if (lead < 0) return w;
    const cont = lead + 1 < end ? bytes[lead + 1]! : 0;
    if (cont < 0x80 || cont > 0xbf) return -1;
    scratch[w++] = ((bytes[lead]! & 0x03) << 6) | (cont & 0x3f);
    from = lead + 2;
    if (lead === c2) c2 = bytes.indexOf(C2, from);
    else c3 = bytes.indexOf(C3, from);
  }
}
