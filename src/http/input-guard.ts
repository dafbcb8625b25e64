import type { RequestHandler } from 'express';
import { HttpError } from './errors';

/**
 * Refuses, before any route sees them, request values that PostgreSQL cannot
 * store or that would overflow a recursive walk (found by test/api/fuzz.e2e.test.ts,
 * where they answered 500):
 * - NUL characters (text and jsonb cannot hold U+0000);
 * - unpaired UTF-16 surrogates (`"\ud800"` parses as JSON but is not Unicode text);
 * - JSON nested deeper than MAX_BODY_DEPTH levels (zod and the event store walk
 *   values recursively; 10,000 levels overflow the stack).
 * Path segments, query parameters and body members alike; the answer is 400
 * with a stable code.
 */
export const MAX_BODY_DEPTH = 32;

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function badText(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate';
  return null;
}

/** The first problem in `value` as "where: what", or null. Iterative: depth is bounded, never the stack. */
function findProblem(value: unknown, root: string): string | null {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const bad = badText(v);
      if (bad) return `${path} ${bad}`;
    } else if (v !== null && typeof v === 'object') {
      if (depth >= MAX_BODY_DEPTH) return `${path} is nested deeper than ${MAX_BODY_DEPTH} levels`;
      const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
      for (const [k, x] of entries) {
        const bad = badText(k);
        const at = Array.isArray(v) ? `${path}[${k}]` : `${path}.${k.slice(0, 50)}`;
        if (bad) return `a member name in ${path} ${bad}`;
        stack.push({ v: x, path: at, depth: depth + 1 });
      }
    }
  }
  return null;
}

/** Path segments are decoded by the router only later; NUL there reaches PostgreSQL as an id. */
function pathProblem(path: string): string | null {
  for (const segment of path.split('/')) {
    if (!segment.includes('%')) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return 'the path is not valid percent-encoded UTF-8';
    }
    const bad = badText(decoded);
    if (bad) return `the path ${bad}`;
  }
  return null;
}

export const inputGuard: RequestHandler = (req, _res, next) => {
  const problem = pathProblem(req.path) ?? findProblem(req.query, 'query') ?? (req.body !== undefined ? findProblem(req.body, 'body') : null);
  if (problem) {
    next(new HttpError('invalid', 'INVALID_REQUEST', `The request cannot be accepted: ${problem}.`));
    return;
  }
  next();
};
