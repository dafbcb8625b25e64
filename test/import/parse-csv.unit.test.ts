import { describe, expect, it } from 'vitest';
import { parseAll } from './parse-helpers';

describe('Kinde CSV', () => {
  it('reads BOM, CRLF, RFC 4180 quoting, and gives the physical start line of each record', async () => {
    const file =
      '\uFEFFemail,first_name,last_name\r\n' +
      'a@x.io,"Ann ""Nan""","Multi\r\nLine\nName"\r\n' + // lines 2-4
      '\r\n' + // line 5: blank
      'b@x.io,"Bob, Jr",Smith\r\n' + // line 6
      'c@x.io,Cy,Z'; // line 7, no final line break
    for (const chunk of [1, 3, 7, 4096]) {
      const p = await parseAll(file, {}, chunk);
      expect(p.failed).toEqual([]);
      expect(p.records.map((r) => [r.lines, r.email, r.firstName, r.lastName])).toEqual([
        [[2], 'a@x.io', 'Ann "Nan"', 'Multi\r\nLine\nName'],
        [[6], 'b@x.io', 'Bob, Jr', 'Smith'],
        [[7], 'c@x.io', 'Cy', 'Z'],
      ]);
      expect(p.summary.columns).toEqual(['email', 'first_name', 'last_name']);
      expect(p.summary.rowsRead).toBe(3);
    }
  });

  it('maps every column: booleans in any case, lists, phone E.164, password fields', async () => {
    const file =
      'Email,Phone,Provided_ID,first_name,last_name,username,email_verified,phone_verified,password_verified,role_key,permission_key,external_organization_id,hashed_password,hashing_method,salt,salt_position,salt_format\n' +
      'Jen@Kinde.com,+61412345678,0001,Jen,Smith,RosyRose,true,FALSE,True,"role_1, role_2,role_1","p1",' +
      '"ext_org_id_1,ext_org_id_2",5f4dcc3b5aa765d61d8327deb882cf99,MD5,68656c6c6f,prefix,hex\n';
    const p = await parseAll(file);
    expect(p.failed).toEqual([]);
    const r = p.records[0]!;
    expect(r).toMatchObject({
      kind: 'user',
      userKey: 'id:0001',
      providedId: '0001',
      email: 'jen@kinde.com',
      phone: '+61412345678',
      username: 'rosyrose',
      firstName: 'Jen',
      lastName: 'Smith',
      passwordVerified: true,
      password: { hashedPassword: '5f4dcc3b5aa765d61d8327deb882cf99', hashingMethod: 'md5', salt: '68656c6c6f', saltPosition: 'prefix', saltFormat: 'hex' },
    });
    expect(r.identities).toEqual([
      { type: 'email', identity: 'jen@kinde.com', display: 'Jen@Kinde.com', isVerified: true },
      { type: 'phone', identity: '+61412345678', display: '+61412345678', isVerified: false },
      { type: 'username', identity: 'rosyrose', display: 'RosyRose' },
    ]);
    // "If the user belongs to more than one organization, use a comma separated list wrapped in double quotes."
    expect(r.organizations).toEqual([
      { externalId: 'ext_org_id_1', roles: ['role_1', 'role_2'], permissions: ['p1'], scopes: [] },
      { externalId: 'ext_org_id_2', roles: ['role_1', 'role_2'], permissions: ['p1'], scopes: [] },
    ]);
    expect(r.warnings).toEqual([]);
  });

  it("merges consecutive rows of the same user into one record, one organization per row (the docs' example)", async () => {
    // "you can set up the CSV to duplicate the user on a separate line for each organization they belong to"
    // (the docs' example lacks the closing quote of its last field; RFC 4180 needs it)
    const file =
      'email,id,first_name,last_name,roles,permissions,external_organization_id\n' +
      'jen@kinde.com,0001,"Jen","Smith","role_1,role_2","permission_1,permission_2","ext_org_id_1"\n' +
      'jen@kinde.com,0001,"Jen","Smith","role_3","permission_3,permission_4","ext_org_id_2,ext_org_id_3"\n' +
      'elmo@kinde.com,0002,"Elmo","Smith","role_1","permission_2","ext_org_id_1"\n' +
      'JEN@kinde.com,,"Jen","Smith","role_9","","ext_org_id_1"\n';
    const p = await parseAll(file);
    expect(p.failed).toEqual([]);
    expect(p.records.map((r) => [r.userKey, r.lines])).toEqual([
      ['id:0001', [2, 3]],
      ['id:0002', [4]],
      ['email:jen@kinde.com', [5]], // no id: matched "else same email" → same group as 0001
    ]);
    const [jen, elmo, jenAgain] = p.records;
    expect(jen!.organizations).toEqual([
      { externalId: 'ext_org_id_1', roles: ['role_1', 'role_2'], permissions: ['permission_1', 'permission_2'], scopes: [] },
      { externalId: 'ext_org_id_2', roles: ['role_3'], permissions: ['permission_3', 'permission_4'], scopes: [] },
      { externalId: 'ext_org_id_3', roles: ['role_3'], permissions: ['permission_3', 'permission_4'], scopes: [] },
    ]);
    expect(jen!.raw.map((x) => x.line)).toEqual([2, 3]);
    expect(jenAgain!.groupKey).toBe(jen!.groupKey);
    expect(elmo!.groupKey).not.toBe(jen!.groupKey);
  });

  it('merges rows of a user without id by email, case-insensitively', async () => {
    const p = await parseAll('email,external_organization_id,roles\nAnn@x.io,o1,r1\nann@X.IO,o2,r2\n');
    expect(p.records).toHaveLength(1);
    expect(p.records[0]!.lines).toEqual([2, 3]);
    expect(p.records[0]!.organizations.map((o) => o.externalId)).toEqual(['o1', 'o2']);
  });

  it('recognises the access-only second file and produces access records', async () => {
    // "File 2: id,roles,permissions,external_organization_id"
    const file =
      'id,roles,permissions,external_organization_id\n' +
      '0001,"role_1,role_2","permission_1,permission_2","ext_org_id_1"\n' +
      '0001,"role_3,role_4","permission_3,permission_4","ext_org_id_2"\n' +
      '0002,role_1,,\n';
    const p = await parseAll(file);
    expect(p.summary.csvKind).toBe('access');
    expect(p.summary.errors).toEqual([]);
    expect(p.records.map((r) => [r.kind, r.userKey, r.lines, r.identities.length])).toEqual([
      ['access', 'id:0001', [2, 3], 0],
      ['access', 'id:0002', [4], 0],
    ]);
    expect(p.records[0]!.organizations.map((o) => [o.externalId, o.roles])).toEqual([
      ['ext_org_id_1', ['role_1', 'role_2']],
      ['ext_org_id_2', ['role_3', 'role_4']],
    ]);
    expect(p.records[1]!.warnings.map((w) => w.code)).toEqual(['DEFAULT_ORGANIZATION_USED']);
  });

  it('emits a second record with the same group for a later, non-adjacent row of a user', async () => {
    const p = await parseAll('email,id,external_organization_id\na@x.io,1,o1\nb@x.io,2,o1\na@x.io,1,o2\n');
    expect(p.records.map((r) => [r.userKey, r.lines])).toEqual([
      ['id:1', [2]],
      ['id:2', [3]],
      ['id:1', [4]],
    ]);
    expect(p.records[2]!.groupKey).toBe(p.records[0]!.groupKey);
  });

  it('a failed row does not claim its keys: a later valid row with the same email imports', async () => {
    const p = await parseAll('email,id,phone\na@x.io,1,12345\na@x.io,2,\n');
    expect(p.failed.map((f) => f.errors[0]!.code)).toEqual(['INVALID_PHONE']);
    expect(p.records.map((r) => r.userKey)).toEqual(['id:2']);
  });

  it.each([
    ['no email or phone column', 'id,first_name\n1,Ann\n', 'MISSING_REQUIRED_COLUMN'],
    ['a header only of unknown columns', 'foo,bar\n1,2\n', 'UNSUPPORTED_FORMAT'],
    ['a column twice (alias included)', 'email,roles,role_key\na@x.io,r,r\n', 'UNSUPPORTED_FORMAT'],
    ['an empty file', '', 'UNSUPPORTED_FORMAT'],
  ])('rejects the file for %s', async (_name, file, code) => {
    const p = await parseAll(file);
    expect(p.summary.errors.map((e) => e.code)).toEqual([code]);
    expect(p.records).toEqual([]);
    expect(p.failed).toEqual([]);
  });

  it('MISSING_REQUIRED_COLUMN when the format is given as csv and the header lacks email/phone', async () => {
    const p = await parseAll('first_name\nAnn\n', { format: 'csv' });
    expect(p.summary.errors.map((e) => [e.code, e.line, e.field])).toEqual([['MISSING_REQUIRED_COLUMN', 1, 'email']]);
  });

  it('unknown columns are a file warning and never become object keys (prototype pollution)', async () => {
    const file = 'email,__proto__,constructor,prototype,isAdmin\na@x.io,{"polluted":1},x,y,true\n';
    const p = await parseAll(file);
    expect(p.summary.errors).toEqual([]);
    expect(p.summary.warnings.map((w) => [w.code, w.field, w.line])).toEqual([
      ['UNKNOWN_COLUMN', '__proto__', 1],
      ['UNKNOWN_COLUMN', 'constructor', 1],
      ['UNKNOWN_COLUMN', 'prototype', 1],
      ['UNKNOWN_COLUMN', 'isAdmin', 1],
    ]);
    const r = p.records[0]!;
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.keys(r)).not.toContain('isAdmin');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    // the unknown values stay in the raw fields, positionally, for the failed-rows file
    expect(r.raw[0]!.fields).toEqual(['a@x.io', '{"polluted":1}', 'x', 'y', 'true']);
  });

  it('a trailing unnamed column (spreadsheet export) is a warning, not a failure', async () => {
    const p = await parseAll('email,first_name,\na@x.io,Ann,\n');
    expect(p.summary.warnings.map((w) => [w.code, w.field, w.message])).toEqual([['UNKNOWN_COLUMN', null, 'Column 3 has no name; its values are ignored.']]);
    expect(p.records.map((r) => r.email)).toEqual(['a@x.io']);
  });

  it('skips a too-large record without losing the rows after it (flat memory)', async () => {
    const big = `"${'x,\n'.repeat(10_000)}"`;
    const file = `email,first_name\na@x.io,${big}\nb@x.io,Bob\n`;
    const p = await parseAll(file, { limits: { maxRecordBytes: 1000 } }, 64);
    expect(p.failed.map((f) => [f.line, f.errors[0]!.code])).toEqual([[2, 'ROW_TOO_LARGE']]);
    // the quoted field spans lines 2..10,002, so b@x.io starts on line 10,003 — as when the cap is not hit
    expect(p.records.map((r) => [r.email, r.lines])).toEqual([['b@x.io', [10_003]]]);
    const q = await parseAll(file, {}, 64);
    expect(q.records.map((r) => r.lines[0])).toEqual([2, 10_003]);
  });

  it('hands out batches of the requested size', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `u${i}@x.io,${i}`).join('\n');
    const p = await parseAll(`email,id\n${rows}\n`, { batchSize: 10 }, 4096);
    expect(p.records).toHaveLength(25);
    expect(p.batchCount).toBe(3);
  });
});
