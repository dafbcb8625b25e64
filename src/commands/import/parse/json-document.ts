import { JSONParser } from '@streamparser/json';

/**
 * Streams the records out of one JSON document (Firebase `{"users":[…]}`, a
 * Keycloak realm or users export, a Supabase JSON array) with flat memory:
 * @streamparser/json emits each element at `paths` as soon as it is complete and,
 * with keepStack off, forgets it — the document is never held whole. Its push API
 * is synchronous, like the CSV tokenizer and the NDJSON splitter beside it, so the
 * same batching loop drives all three.
 *
 * A record's `line` is its ordinal in the document (1 = the first user): a JSON
 * document has no line per record, and the failed-rows file writes each failed
 * record as one NDJSON line anyway.
 */
export type JsonRecord =
  | { readonly kind: 'record'; readonly line: number; readonly value: unknown }
  /** The document is not valid JSON from here on: nothing after it can be read. */
  | { readonly kind: 'malformed'; readonly line: number; readonly reason: string };

export class JsonDocumentSplitter {
  readonly #parser: JSONParser;
  #out: JsonRecord[] = [];
  #count = 0;
  #failed = false;

  constructor(paths: readonly string[]) {
    this.#parser = new JSONParser({ paths: [...paths], keepStack: false, stringBufferSize: 0 });
    this.#parser.onValue = ({ value }) => {
      this.#count += 1;
      this.#out.push({ kind: 'record', line: this.#count, value });
    };
    this.#parser.onError = (err) => this.#fail(err);
  }

  /** Records completed by this chunk, in document order. */
  push(chunk: Buffer): JsonRecord[] {
    if (this.#failed) return [];
    try {
      this.#parser.write(chunk);
    } catch (err) {
      this.#fail(err);
    }
    return this.#take();
  }

  end(): JsonRecord[] {
    if (this.#failed) return this.#take();
    if (!this.#parser.isEnded) {
      try {
        this.#parser.end();
      } catch (err) {
        this.#fail(err);
      }
    }
    return this.#take();
  }

  #fail(err: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    // The library's message names the unexpected token and its byte position, never a whole value.
    const reason = String((err as Error | undefined)?.message ?? err).slice(0, 160);
    this.#out.push({ kind: 'malformed', line: this.#count + 1, reason });
  }

  #take(): JsonRecord[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }
}

/** Where the records sit in each kind of document, from its first non-blank byte. */
export function jsonRecordPaths(firstByte: '{' | '[', format: string): string[] {
  if (firstByte === '[') return format === 'keycloak' ? ['$.*.users.*'] : ['$.*'];
  return ['$.users.*'];
}
