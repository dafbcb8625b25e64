/**
 * JSON.parse that drops `__proto__`, `constructor` and `prototype` members at every
 * depth. JSON.parse itself creates `__proto__` as an own property (no pollution),
 * but code that later copies with assignment (zod's record parsing, Object.assign)
 * would turn it into a prototype. The reviver is slow, so it only runs when the
 * text could contain such a key (also spelled with \u escapes).
 */
const DANGEROUS_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Deepest nesting accepted. A user record nests a few levels (identities, their
 * details); 10,000 levels would overflow the stack of every recursive walk that
 * follows (the reviver, zod, findOversizedString) and crash the import.
 */
export const MAX_JSON_DEPTH = 64;

export class JsonTooDeepError extends SyntaxError {}

/** true when `text` nests arrays/objects deeper than `limit` (brackets inside strings do not count). */
function nestsDeeperThan(text: string, limit: number): boolean {
  // No deeper than the number of opening brackets, strings included: a user line has a
  // dozen, counted with indexOf (the walk below, a test per character, cost a third of JSON.parse).
  if (countUpTo(text, '{', limit) + countUpTo(text, '[', limit) <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Occurrences of `c` in `text`, counted up to limit + 1. */
function countUpTo(text: string, c: string, limit: number): number {
  let count = 0;
  for (let i = text.indexOf(c); i >= 0 && count <= limit; i = text.indexOf(c, i + 1)) count++;
  return count;
}

export function parseJsonSafely(text: string): unknown {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw new JsonTooDeepError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (!text.includes('__proto__') && !text.includes('constructor') && !text.includes('prototype') && !text.includes('\\u')) {
    return JSON.parse(text);
  }
  return JSON.parse(text, (key, value: unknown) => (DANGEROUS_KEYS.has(key) ? undefined : value));
}

/** A JSON syntax error, described without quoting the line (it may hold a password hash). */
export function describeJsonError(e: unknown): string {
  if (e instanceof JsonTooDeepError) return `The line nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels.`;
  const m = e instanceof Error ? /position (\d+)/.exec(e.message) : null;
  return m ? `The line is not valid JSON (near character ${Number(m[1]) + 1}).` : 'The line is not valid JSON.';
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** First string longer than `maxBytes` (UTF-8) anywhere in `v`, as a path; null if none. */
export function findOversizedString(v: unknown, maxBytes: number, path = ''): string | null {
  if (typeof v === 'string') {
    return v.length > maxBytes / 3 && Buffer.byteLength(v, 'utf8') > maxBytes ? path || '(value)' : null;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = findOversizedString(v[i], maxBytes, `${path}[${i}]`);
      if (p !== null) return p;
    }
    return null;
  }
  if (isPlainObject(v)) {
    for (const k of Object.keys(v)) {
      const p = findOversizedString(v[k], maxBytes, path ? `${path}.${k}` : k);
      if (p !== null) return p;
    }
  }
  return null;
}
