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
 * `buf.toString('utf8', start, end)`. Bytes that are all ASCII (the usual export)
 * are decoded as Latin-1, which gives the same string at a fraction of the cost
 * (a byte copy into a one-byte string instead of the UTF-8 decoder).
 */
export function decodeUtf8(buf: Buffer, start: number, end: number): string {
  return buf.toString(isAscii(buf.subarray(start, end)) ? 'latin1' : 'utf8', start, end);
}
