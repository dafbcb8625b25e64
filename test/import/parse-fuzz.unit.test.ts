import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, IMPORT_ISSUE_CODES, validateImport } from '../../src/commands/import/parse';
import { parseAll, streamOf } from './parse-helpers';

/**
 * Property-based fuzzing of the import parsers (issue 13 item 9): whatever the
 * bytes, validation and parsing end (never throw), within 2 s, with only the
 * documented issue codes, and pollute no prototype. Runs are bounded so each
 * property takes a few seconds.
 */
const KNOWN = new Set<string>(IMPORT_ISSUE_CODES);
const NASTY_STRINGS = ['__proto__', 'constructor', 'prototype', '\u0000', '\ud800', '\udfff', '\ufeff', '"', '""', ',', '\r', '\n', '\r\n', '=cmd|', '💥', 'a'.repeat(70_000)];
const nastyString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(...NASTY_STRINGS));
/** Raw bytes that are not UTF-8: a lone surrogate (ED A0 80), a truncated sequence, an overlong NUL. */
const badUtf8 = fc.constantFrom(Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x82]), Buffer.from([0xc0, 0x80]), Buffer.from([0xff]));

function deepJson(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}
const hugeNumbers = fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890123456789', '1e-400', '-0', '0.' + '1'.repeat(500));

/** An NDJSON line: a JSON object with dangerous keys and values, or something that is not JSON. */
const ndjsonLine = fc.oneof(
  fc
    .dictionary(
      fc.oneof(nastyString, fc.constantFrom('email', 'identities', 'user_id', 'first_name', 'hashed_password', 'organizations', 'roles')),
      fc.oneof(fc.jsonValue({ maxDepth: 3 }), nastyString),
      { maxKeys: 6 },
    )
    .map((o) => JSON.stringify(o)),
  fc.constantFrom(
    '{"__proto__":{"polluted":1},"email":"a@b.co"}',
    '{"constructor":{"prototype":{"polluted":1}},"email":"a@b.co"}',
    '{"email":"\\ud800@x.co","first_name":"\\u0000"}',
    deepJson(10_000),
    '['.repeat(10_000) + ']'.repeat(10_000),
    '{"email":"x@y.co","identities":[{"type":"email","details":{"email":"x@y.co"}}]}',
    '{"user_id":"auth0|1","identities":[{"provider":"auth0","user_id":"1","connection":"db"}],"email":"a@b.co"}',
    '{"_id":{"$oid":"1"},"email":"a@b.co","passwordHash":"$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"}',
    '{"email":"a@b.co","count":1e400}',
    'not json',
    '{',
  ),
  hugeNumbers.map((n) => `{"email":"a@b.co","n":${n}}`),
);

const csvField = fc.oneof(nastyString, fc.emailAddress(), hugeNumbers, fc.constantFrom('TRUE', 'FALSE', 'bcrypt', 'md5', 'prefix', 'hex', '+15551234567'));
const csvHeader = fc.uniqueArray(fc.oneof(fc.constantFrom(...CSV_COLUMNS), nastyString), { minLength: 1, maxLength: 8 });
const csvFile = csvHeader.chain((header) => fc.tuple(fc.constant(header), fc.array(fc.array(csvField, { minLength: 0, maxLength: header.length + 1 }), { maxLength: 8 }), fc.boolean()));
const quote = (f: string) => (/[",\r\n]/.test(f) || f.startsWith(' ') ? `"${f.replace(/"/g, '""')}"` : f);

/** Mixes well-formed text with bad bytes at random places. */
const withBadBytes = (text: string, bad: Buffer[], at: number[]) => {
  const buf = Buffer.from(text, 'utf8');
  if (bad.length === 0) return buf;
  const parts: Buffer[] = [];
  let last = 0;
  at.slice(0, bad.length)
    .map((p) => Math.floor(p * buf.length))
    .sort((a, b) => a - b)
    .forEach((pos, i) => {
      parts.push(buf.subarray(last, pos), bad[i]!);
      last = pos;
    });
  parts.push(buf.subarray(last));
  return Buffer.concat(parts);
};

async function checkParses(input: Buffer) {
  const started = performance.now();
  const validation = await validateImport(streamOf(input, 4096));
  for (const issue of [...validation.errors, ...validation.warnings]) expect(KNOWN).toContain(issue.code);
  if (validation.ok) {
    const parsed = await parseAll(input, {}, 4096);
    for (const f of parsed.failed) for (const e of f.errors) expect(KNOWN).toContain(e.code);
    for (const r of parsed.records) for (const w of r.warnings) expect(KNOWN).toContain(w.code);
  }
  expect(performance.now() - started).toBeLessThan(2000);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
}

describe('import parsers under fuzzing (fast-check)', () => {
  it('NDJSON: any lines, bad bytes included, parse to records and row errors — never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(ndjsonLine, { minLength: 1, maxLength: 6 }),
        fc.array(badUtf8, { maxLength: 2 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 2 }),
        async (lines, bad, at) => {
          await checkParses(withBadBytes(lines.join('\n') + '\n', bad, at));
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);

  it('CSV: any header and rows, quoting, CR/LF, NUL, BOM and bad bytes — never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        csvFile,
        fc.array(badUtf8, { maxLength: 2 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 2 }),
        fc.boolean(),
        async ([header, rows, crlf], bad, at, bom) => {
          const eol = crlf ? '\r\n' : '\n';
          const text = (bom ? '\ufeff' : '') + [header, ...rows].map((r) => r.map(quote).join(',')).join(eol) + eol;
          await checkParses(withBadBytes(text, bad, at));
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);

  it('arbitrary bytes are a file error or rows, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => {
        await checkParses(Buffer.from(bytes));
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('a line nested 10,000 levels deep is a MALFORMED_JSON row (it used to overflow the stack and kill the import)', async () => {
    const user = (email: string) => JSON.stringify({ identities: [{ type: 'email', identity: email }] });
    const parsed = await parseAll(`${user('a@b.co')}\n${deepJson(10_000)}\n${user('c@d.co')}\n`, {}, 4096);
    expect(parsed.records).toHaveLength(2);
    expect(parsed.failed.map((f) => [f.line, f.errors.map((e) => [e.code, e.message])])).toEqual([[2, [['MALFORMED_JSON', 'The line nests objects or arrays deeper than 64 levels.']]]]);
  });
});
