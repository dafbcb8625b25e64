import { describe, expect, it } from 'vitest';
import { csvCell, escapeFormula, failedRowCsvLine, failedRowNdjsonLine, failedRowsCsvHeader } from '../../src/commands/import/parse';
import { parseAll } from './parse-helpers';

describe('failed-rows file', () => {
  it.each([
    ['=HYPERLINK("http://evil")', `'=HYPERLINK("http://evil")`],
    ['+1+1', `'+1+1`],
    ['-2', `'-2`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\tcmd', `'\tcmd`],
    ['\rcmd', `'\rcmd`],
    ['jen@kinde.com', 'jen@kinde.com'],
    ['', ''],
  ])('escapes %j against formula injection', (cell, expected) => {
    expect(escapeFormula(cell)).toBe(expected);
  });

  it('quotes cells as RFC 4180 after escaping', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=1,2')).toBe(`"'=1,2"`);
  });

  it('writes the failed CSV rows with error_code and error_message, and the result parses again', async () => {
    const file = 'email,id,first_name,unknown_col\r\n' + 'good@x.io,1,Good,u\r\n' + 'not-an-email,2,"=cmd|\' /C calc\'!A0",u\r\n' + ',3,"Multi\nline",u\r\n' + 'short\r\n';
    const p = await parseAll(file);
    expect(p.failed.map((f) => f.line)).toEqual([3, 4, 6]);
    const out = failedRowsCsvHeader(p.summary.columns) + p.failed.map((f) => failedRowCsvLine(p.summary.columns, f.raw, f.errors)).join('');
    expect(out.split('\r\n')[0]).toBe('email,id,first_name,unknown_col,error_code,error_message');
    expect(out).toContain(`,'=cmd|' /C calc'!A0,`);
    expect(out).toContain('\r\nshort,,,,MALFORMED_ROW,');

    // The errors file is itself an importable CSV (the error columns are unknown columns, warned about).
    const again = await parseAll(out);
    expect(again.summary.errors).toEqual([]);
    expect(again.summary.warnings.map((w) => w.field)).toEqual(['unknown_col', 'error_code', 'error_message']);
    expect(again.failed.map((f) => f.errors.map((e) => e.code))).toEqual([['INVALID_EMAIL'], ['MISSING_IDENTITY'], ['INVALID_EMAIL']]); // 'short' is now the email cell
    expect(again.failed[1]!.raw.fields!.slice(0, 3)).toEqual(['', '3', 'Multi\nline']);
    const codes = again.failed.map((f) => f.raw.fields![4]);
    expect(codes).toEqual(['INVALID_EMAIL', 'MISSING_IDENTITY', 'MALFORMED_ROW']);
  });

  it('writes failed NDJSON lines with an _error member; a non-object line is kept under _raw', async () => {
    const file = '{"id":"u1","identities":[{"type":"email","identity":"nope"}]}\n{"id": broken\n';
    const p = await parseAll(file);
    const lines = p.failed.map((f) => failedRowNdjsonLine(f.raw, f.errors));
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ id: 'u1', identities: [{ type: 'email', identity: 'nope' }], _error: { code: 'INVALID_EMAIL', line: 1 } });
    expect(first._error.errors).toEqual([{ code: 'INVALID_EMAIL', field: 'identities[0]', message: 'The email is not a valid email address.' }]);
    const second = JSON.parse(lines[1]!);
    expect(second).toMatchObject({ _raw: '{"id": broken', _error: { code: 'MALFORMED_JSON', line: 2 } });
  });
});
