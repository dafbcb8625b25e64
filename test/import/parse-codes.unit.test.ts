import { describe, expect, it } from 'vitest';
import { IMPORT_ISSUE_CODES, type ImportIssueCode, type ImportFormat } from '../../src/commands/import/parse';
import { jsonl, parseAll, rowIssues } from './parse-helpers';

/**
 * Every row code the parser decides, one table. Each case is a whole file; the
 * expectation is the code, its severity, the line and the field of the issue.
 */
const H = 'email,id,first_name,last_name,username,phone,email_verified,roles,external_organization_id,hashed_password,hashing_method,salt,salt_position,salt_format';

interface Case {
  readonly name: string;
  readonly format?: ImportFormat;
  readonly file: string;
  readonly code: ImportIssueCode;
  readonly line: number;
  readonly field: string | null;
  /** Warnings: the record is still produced. */
  readonly imports?: boolean;
}

const cases: Case[] = [
  // "email or phone - minimum required identity information"
  { name: 'no email and no phone', file: `${H}\n,0001,Jen,Smith,,,,,,,,,,\n`, code: 'MISSING_IDENTITY', line: 2, field: 'email' },
  { name: 'NDJSON user without identities', file: jsonl({ id: 'u1', first_name: 'A' }), code: 'MISSING_IDENTITY', line: 1, field: 'identities' },
  { name: 'access-only row without id', file: 'id,roles,external_organization_id\n,r1,org1\n', code: 'MISSING_IDENTITY', line: 2, field: 'id' },
  { name: 'invalid email', file: `${H}\njen.kinde.com,0001,,,,,,,,,,,,\n`, code: 'INVALID_EMAIL', line: 2, field: 'email' },
  { name: 'invalid email in NDJSON', file: jsonl({ identities: [{ type: 'email', identity: 'no at sign' }] }), code: 'INVALID_EMAIL', line: 1, field: 'identities[0]' },
  // "phone - in the E.164 format [+][country code][number]"
  { name: 'phone without +', file: `${H}\n,0001,,,,0412345678,,,,,,,,\n`, code: 'INVALID_PHONE', line: 2, field: 'phone' },
  { name: 'impossible phone', file: `${H}\n,0001,,,,+1415,,,,,,,,\n`, code: 'INVALID_PHONE', line: 2, field: 'phone' },
  // "email_verified - email verification status: TRUE or FALSE"
  { name: 'boolean not TRUE/FALSE', file: `${H}\njen@kinde.com,0001,,,,,yes,,,,,,,\n`, code: 'INVALID_FIELD', line: 2, field: 'email_verified' },
  { name: 'invalid username', file: `${H}\njen@kinde.com,0001,,,has space,,,,,,,,,\n`, code: 'INVALID_FIELD', line: 2, field: 'username' },
  { name: 'unknown identity type', file: jsonl({ identities: [{ type: 'oauth2:myspace', identity: '1' }] }), code: 'INVALID_FIELD', line: 1, field: 'identities[0].type' },
  {
    name: 'unknown Auth0 connection',
    format: 'auth0',
    file: jsonl({ user_id: 'x|1', identities: [{ connection: 'friendster', provider: 'friendster', user_id: '1', isSocial: true }] }),
    code: 'INVALID_FIELD',
    line: 1,
    field: 'identities[0].connection',
  },
  // "Duplicate records (based on the ID or email)"
  { name: 'email of another id', file: `${H}\njen@kinde.com,0001,,,,,,,,,,,,\njen@kinde.com,0002,,,,,,,,,,,,\n`, code: 'DUPLICATE_IN_FILE', line: 3, field: 'email' },
  { name: 'username differing only in case', file: `${H}\na@x.io,0001,,,RosyRose,,,,,,,,,\nb@x.io,0002,,,rosyrose,,,,,,,,,\n`, code: 'DUPLICATE_IN_FILE', line: 3, field: 'username' },
  { name: 'phone of another user', file: `${H}\na@x.io,0001,,,,+61412345678,,,,,,,,\nb@x.io,0002,,,,+61412345678,,,,,,,,\n`, code: 'DUPLICATE_IN_FILE', line: 3, field: 'phone' },
  {
    name: 'id claimed by another user (NDJSON)',
    file: jsonl(
      { id: 'u1', identities: [{ type: 'email', identity: 'a@x.io' }] },
      { id: 'u1', identities: [{ type: 'email', identity: 'a@x.io' }] },
      { id: 'u2', identities: [{ type: 'username', identity: 'a' }] },
      { id: 'u3', identities: [{ type: 'username', identity: 'A' }] },
    ),
    code: 'DUPLICATE_IN_FILE',
    line: 4,
    field: 'username',
  },
  // "a user with an enterprise identity cannot have other identities"
  {
    name: 'enterprise plus email',
    file: jsonl({
      identities: [
        { type: 'enterprise:entra', identity: 'abc' },
        { type: 'email', identity: 'a@x.io' },
      ],
    }),
    code: 'ENTERPRISE_IDENTITY_EXCLUSIVE',
    line: 1,
    field: 'identities',
  },
  { name: 'CSV column count', file: `${H}\njen@kinde.com,0001\n`, code: 'MALFORMED_ROW', line: 2, field: null },
  { name: 'CSV garbage after a closing quote', file: `${H}\n"jen@kinde.com"x,0001,,,,,,,,,,,,\n`, code: 'MALFORMED_ROW', line: 2, field: null },
  { name: 'CSV quote never closed', file: `${H}\na@x.io,0001,,,,,,,,,,,,\n"b@x.io,0002,,,,,,,,,,,,\n`, code: 'MALFORMED_ROW', line: 3, field: null },
  { name: 'NDJSON not JSON', file: '{"identities":[{"type":"email","identity":"a@x.io"}]}\n{"id": oops}\n', code: 'MALFORMED_JSON', line: 2, field: null },
  { name: 'NDJSON not an object', file: '{"identities":[{"type":"email","identity":"a@x.io"}]}\n[1,2]\n', code: 'MALFORMED_JSON', line: 2, field: null },
  { name: 'NDJSON not the schema', file: jsonl({ identities: 'a@x.io' }), code: 'MALFORMED_JSON', line: 1, field: 'identities' },
  { name: 'Auth0 passwords line without passwordHash', format: 'auth0_passwords', file: jsonl({ _id: { $oid: 'abc' }, email: 'a@x.io' }), code: 'MALFORMED_JSON', line: 1, field: 'passwordHash' },
  { name: 'CSV field too large', file: `${H}\na@x.io,0001,${'x'.repeat(200)},,,,,,,,,,,\n`, code: 'ROW_TOO_LARGE', line: 2, field: 'first_name' },
  { name: 'CSV record too large', file: `${H}\na@x.io,0001,"${'x\n'.repeat(300)}",,,,,,,,,,,\nb@x.io,0002,,,,,,,,,,,,\n`, code: 'ROW_TOO_LARGE', line: 2, field: null },
  { name: 'NDJSON line too large', file: `${JSON.stringify({ identities: [{ type: 'email', identity: 'a@x.io' }], first_name: 'y'.repeat(400) })}\n`, code: 'ROW_TOO_LARGE', line: 1, field: null },
  // Warnings: the row is imported.
  // "Optional unless you are importing roles and permissions with user data"
  { name: 'roles without an organization', file: `${H}\na@x.io,0001,,,,,,admin,,,,,,\n`, code: 'DEFAULT_ORGANIZATION_USED', line: 2, field: 'external_organization_id', imports: true },
  // md5 / sha256: salt position "required if salt included"
  { name: 'md5 salt without position', file: `${H}\na@x.io,0001,,,,,,,,5f4dcc3b5aa765d61d8327deb882cf99,md5,NaCl,,\n`, code: 'PASSWORD_NOT_IMPORTED', line: 2, field: 'salt_position', imports: true },
  { name: 'unsupported hashing method', file: `${H}\na@x.io,0001,,,,,,,,abc,whirlpool,,,\n`, code: 'PASSWORD_NOT_IMPORTED', line: 2, field: 'hashing_method', imports: true },
  { name: 'hash without method', file: `${H}\na@x.io,0001,,,,,,,,abc,,,,\n`, code: 'PASSWORD_NOT_IMPORTED', line: 2, field: 'hashing_method', imports: true },
  { name: 'method without hash', file: `${H}\na@x.io,0001,,,,,,,,,bcrypt,,,\n`, code: 'PASSWORD_NOT_IMPORTED', line: 2, field: 'hashed_password', imports: true },
  { name: 'salt_format hex with a non-hex salt', file: `${H}\na@x.io,0001,,,,,,,,abc,sha256,zz,prefix,hex\n`, code: 'PASSWORD_NOT_IMPORTED', line: 2, field: 'salt', imports: true },
  // The source does not let the account sign in: imported suspended.
  { name: 'Auth0 user blocked', format: 'auth0', file: jsonl({ user_id: 'auth0|1', email: 'a@x.io', blocked: true }), code: 'SUSPENDED_AT_SOURCE', line: 1, field: 'blocked', imports: true },
  {
    name: 'NDJSON unsupported algorithm',
    file: jsonl({ identities: [{ type: 'email', identity: 'a@x.io' }], password: { hashed_password: 'abc', hashing_algorithm: 'whirlpool' } }),
    code: 'PASSWORD_NOT_IMPORTED',
    line: 1,
    field: 'password.hashing_algorithm',
    imports: true,
  },
];

describe('row issue codes', () => {
  it.each(cases)('$code: $name', async (c) => {
    const p = await parseAll(c.file, { ...(c.format ? { format: c.format } : {}), limits: { maxFieldBytes: 100, maxRecordBytes: 500, maxLineBytes: 300 } });
    expect(p.summary.errors).toEqual([]);
    const found = rowIssues(p).filter((i) => i.code === c.code);
    expect(found, JSON.stringify(rowIssues(p))).toHaveLength(1);
    const i = found[0]!;
    expect(i.severity).toBe(c.imports ? 'warning' : 'error');
    expect(i.line).toBe(c.line);
    expect(i.field).toBe(c.field);
    expect(i.message.length).toBeGreaterThan(10);
    if (c.imports) expect(p.records.some((r) => r.lines.includes(c.line))).toBe(true);
    else expect(p.records.some((r) => r.lines.includes(c.line))).toBe(false);
  });

  it('every code is exported in the const list, with the apply-step codes', () => {
    expect([...IMPORT_ISSUE_CODES].sort()).toEqual([
      'CONFLICT_EXISTING_USER',
      'DEFAULT_ORGANIZATION_USED',
      'DUPLICATE_IN_FILE',
      'ENTERPRISE_IDENTITY_EXCLUSIVE',
      'FILE_TOO_LARGE',
      'INVALID_EMAIL',
      'INVALID_ENCODING',
      'INVALID_FIELD',
      'INVALID_PHONE',
      'MALFORMED_JSON',
      'MALFORMED_ROW',
      'MISSING_IDENTITY',
      'MISSING_REQUIRED_COLUMN',
      'ORGANIZATION_NOT_FOUND',
      'PASSWORD_NOT_IMPORTED',
      'PERMISSION_NOT_FOUND',
      'POSSIBLE_DUPLICATE',
      'ROLE_NOT_FOUND',
      'ROW_TOO_LARGE',
      'SUSPENDED_AT_SOURCE',
      'UNKNOWN_COLUMN',
      'UNSUPPORTED_FORMAT',
      'USER_NOT_FOUND',
    ]);
  });

  it('never puts a password hash or salt in a message', async () => {
    const hash = '$2b$10$SECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRE';
    const file = `${H}\na@x.io,0001,,,,,,,,${hash},md5,SALTYSALT,,\nbad,0002,,,,,,,,${hash},bcrypt,SALTYSALT,nowhere,\n`;
    const p = await parseAll(file);
    const all = JSON.stringify(rowIssues(p));
    expect(rowIssues(p).length).toBeGreaterThanOrEqual(2);
    expect(all).not.toContain('SECRET');
    expect(all).not.toContain('SALTY');
    const nd = jsonl({ identities: [{ type: 'email', identity: 'a@x.io' }], password: { hashed_password: hash, hashing_algorithm: 'md5', salt: 'SALTYSALT' } });
    const q = await parseAll(`${nd}{"password": "${hash}", oops}\n`);
    expect(
      rowIssues(q)
        .map((i) => i.code)
        .sort(),
    ).toEqual(['MALFORMED_JSON', 'PASSWORD_NOT_IMPORTED']);
    expect(JSON.stringify(rowIssues(q))).not.toMatch(/SECRET|SALTY/);
  });

  it('the hook: a checker from src/passwords turns a bad hash into PASSWORD_NOT_IMPORTED', async () => {
    const file = `${H}\na@x.io,0001,,,,,,,,not-a-bcrypt-hash,bcrypt,,,\nb@x.io,0002,,,,,,,,$2a$10$abcdefghijklmnopqrstuu5dW5LwJvSLqOnDN4i2m3YhC5XzKe4Cq,bcrypt,,,\n`;
    const p = await parseAll(file, { checkPasswordHash: (pw) => (pw.hashedPassword.startsWith('$2') ? null : 'the hash is not a bcrypt hash') });
    expect(p.records).toHaveLength(2);
    expect(p.records[0]!.password).toBeUndefined();
    expect(p.records[0]!.warnings.map((w) => [w.code, w.field, w.message])).toEqual([
      ['PASSWORD_NOT_IMPORTED', 'hashed_password', 'Password not imported: the hash is not a bcrypt hash. The user is imported and must reset their password.'],
    ]);
    expect(p.records[1]!.password).toMatchObject({ hashingMethod: 'bcrypt' });
  });
});
