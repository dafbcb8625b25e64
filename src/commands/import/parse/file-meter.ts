import { createHash, type Hash } from 'node:crypto';
import type { FileIssue } from './issues';
import { Utf8Validator } from './utf8';

// Byte metering, shared by both passes: checksum, size cap (FILE_TOO_LARGE), UTF-8 (INVALID_ENCODING).

export class FileMeter {
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
        line: 0,
        severity: 'error',
        code: 'FILE_TOO_LARGE',
        field: null,
        user_key: null,
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
      line: 0,
      severity: 'error',
      code: 'INVALID_ENCODING',
      field: null,
      user_key: null,
      byteOffset: at,
      message: `The file is not valid UTF-8: invalid byte sequence at byte offset ${at}. Save the file as UTF-8 and import it again.`,
    };
    return false;
  }

  get checksum(): string {
    return (this.#digest ??= this.#hash.digest('hex'));
  }
}

export function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('import input must be a byte stream');
}
