import { describe, expect, it } from 'vitest';
import { AUTH0_CONNECTION_IDENTITY_TYPES, KindeNdjsonUserSchema, detectFormat, type KindeNdjsonUser } from '../../src/commands/import/parse';
import { jsonl, parseAll, rowIssues } from './parse-helpers';

// The docs' single-line example ("Import users via CSV or JSON").
const DOCS_EXAMPLE =
  '{"id":"your_external_user_id_001","password":{"salt":null,"salt_format":null,"salt_position":null,"hashed_password":"$2a$10$t8Jz3hJCCTFk/Acja7bw3OpamB3xuLPhpJlRHb31bXIjfzeTfn8rq","hashing_algorithm":"bcrypt"},"last_name":"One","first_name":"User","identities":[{"type":"username","identity":"userone"},{"type":"email","identity":"userone@example.com","is_verified":true},{"type":"oauth2:google","profile":{"custom_provider_fields":"custom key/values from google"},"identity":"123456","provider":"google","is_verified":true}],"properties":[{"key":"property_1","value":"false"}],"feature_flags":[{"key":"feature_flag_1","value":"true"}],"organizations":[{"external_id":"your_external_org_id_001","roles":["admin","member"],"permissions":["read","write"],"scopes":[{"audience":"https://your-api.com","scope":"scope_1"}]}]}';

describe('Kinde NDJSON', () => {
  it("reads the docs' example line into one record", async () => {
    const p = await parseAll(`${DOCS_EXAMPLE}\n`);
    expect(p.summary.format).toBe('kinde_ndjson');
    expect(p.failed).toEqual([]);
    expect(p.records).toHaveLength(1);
    expect(p.records[0]).toMatchObject({
      kind: 'user',
      userKey: 'id:your_external_user_id_001',
      lines: [1],
      providedId: 'your_external_user_id_001',
      firstName: 'User',
      lastName: 'One',
      email: 'userone@example.com',
      username: 'userone',
      password: { hashingMethod: 'bcrypt', hashedPassword: '$2a$10$t8Jz3hJCCTFk/Acja7bw3OpamB3xuLPhpJlRHb31bXIjfzeTfn8rq' },
      properties: [{ key: 'property_1', value: 'false' }],
      featureFlags: [{ key: 'feature_flag_1', value: 'true' }],
      organizations: [{ externalId: 'your_external_org_id_001', roles: ['admin', 'member'], permissions: ['read', 'write'], scopes: [{ audience: 'https://your-api.com', scope: 'scope_1' }] }],
      warnings: [],
    });
    expect(p.records[0]!.identities.map((i) => [i.type, i.identity, i.isVerified])).toEqual([
      ['username', 'userone', undefined],
      ['email', 'userone@example.com', true],
      ['oauth2:google', '123456', true],
    ]);
    expect(p.records[0]!.identities[2]!.profile).toEqual({ custom_provider_fields: 'custom key/values from google' });
  });

  it('the exported KindeNdjsonUser type is the schema roster export writes', () => {
    const user: KindeNdjsonUser = {
      id: 'u1',
      first_name: 'A',
      identities: [{ type: 'enterprise:entra', identity: 'abc', provider: 'waad' }],
      organizations: [{ external_id: 'o1', roles: ['r'] }],
    };
    expect(KindeNdjsonUserSchema.parse(JSON.parse(JSON.stringify(user)))).toEqual(user);
  });

  it('counts every physical line, blank and CRLF ones included', async () => {
    const a = JSON.stringify({ identities: [{ type: 'email', identity: 'a@x.io' }] });
    const b = JSON.stringify({ identities: [{ type: 'phone', identity: '+61412345678' }] });
    const p = await parseAll(`\uFEFF${a}\r\n\r\n  \n${b}\r\n`);
    expect(p.records.map((r) => [r.userKey, r.lines])).toEqual([
      ['email:a@x.io', [1]],
      ['phone:+61412345678', [4]],
    ]);
  });

  it('keeps an enterprise identity alone (enterprise users have no other identity)', async () => {
    const p = await parseAll(jsonl({ id: 'e1', identities: [{ type: 'enterprise:entra', identity: 'abc', provider: 'waad' }] }));
    expect(p.failed).toEqual([]);
    expect(p.records[0]!.identities.map((i) => i.type)).toEqual(['enterprise:entra']);
  });

  it('__proto__, constructor and prototype members pollute nothing', async () => {
    const line =
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},' +
      '"identities":[{"type":"email","identity":"a@x.io","profile":{"__proto__":{"isAdmin":true},"\\u005f_proto__":{"isAdmin":true},"ok":1}}],' +
      '"organizations":[{"external_id":"o1","roles":["r"],"__proto__":{"roles":["admin"]}}]}';
    const p = await parseAll(`${line}\n`);
    expect(p.failed).toEqual([]);
    const r = p.records[0]!;
    const profile = r.identities[0]!.profile!;
    expect(Object.getPrototypeOf(profile)).toBe(Object.prototype);
    expect(Object.keys(profile)).toEqual(['ok']);
    expect((profile as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(r.organizations[0]!.roles).toEqual(['r']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
  });
});

describe('Auth0 user export', () => {
  const auth0User = {
    user_id: 'auth0|60425da93519d90068f82966',
    email: 'Ann@Example.com',
    email_verified: true,
    username: 'AnnB',
    given_name: 'Ann',
    family_name: 'Bee',
    name: 'Ann Bee',
    nickname: 'ann',
    picture: 'https://x.io/a.png',
    created_at: '2021-03-05T16:36:25.930Z',
    identities: [{ connection: 'Username-Password-Authentication', provider: 'auth0', user_id: '60425da93519d90068f82966', isSocial: false }],
    app_metadata: { plan: 'pro' },
    user_metadata: { theme: 'dark' },
  };

  it('maps a database user: provided id after auth0|, email, username, names', async () => {
    const p = await parseAll(jsonl(auth0User));
    expect(p.summary.format).toBe('auth0');
    expect(p.records[0]).toMatchObject({
      kind: 'user',
      providedId: '60425da93519d90068f82966',
      userKey: 'id:60425da93519d90068f82966',
      email: 'ann@example.com',
      username: 'annb',
      firstName: 'Ann',
      lastName: 'Bee',
      picture: 'https://x.io/a.png',
    });
    expect(p.records[0]!.identities.map((i) => [i.type, i.identity, i.isVerified])).toEqual([
      ['email', 'ann@example.com', true],
      ['username', 'annb', undefined],
    ]);
  });

  it.each(Object.entries(AUTH0_CONNECTION_IDENTITY_TYPES))('maps connection %s to %s', async (connection, type) => {
    const social = !['Username-Password-Authentication', 'email', 'sms'].includes(connection);
    const user = {
      user_id: `${connection}|123`,
      email: 'a@x.io',
      phone_number: '+61412345678',
      identities: [{ connection, provider: social ? connection : connection === 'sms' ? 'sms' : connection === 'email' ? 'email' : 'auth0', user_id: '123', isSocial: social }],
    };
    const p = await parseAll(jsonl(user), { format: 'auth0' });
    expect(p.failed).toEqual([]);
    expect(p.records[0]!.identities.map((i) => i.type)).toContain(type);
    if (social) expect(p.records[0]!.identities.find((i) => i.type === type)!.identity).toBe('123');
  });

  it('imports a social user without an email ("identified by the connection type")', async () => {
    const p = await parseAll(jsonl({ user_id: 'github|42', identities: [{ connection: 'github', provider: 'github', user_id: 42, isSocial: true }] }), { format: 'auth0' });
    expect(p.records[0]!.identities).toEqual([{ type: 'oauth2:github', identity: '42', display: '42', provider: 'github' }]);
    expect(p.records[0]!.userKey).toBe('id:github|42');
  });

  it("a connection named after one of Object's members is an unknown connection: that line fails, the others import", async () => {
    const lines = ['__proto__', 'constructor', 'toString'].map((connection, i) => ({ user_id: `x|${i}`, identities: [{ connection, provider: 'x', user_id: String(i) }] }));
    const p = await parseAll(jsonl(...lines, { user_id: 'github|7', identities: [{ connection: 'github', provider: 'github', user_id: '7', isSocial: true }] }), { format: 'auth0' });
    expect(p.failed.map((f) => [f.line, f.errors[0]!.code, f.errors[0]!.field])).toEqual([
      [1, 'INVALID_FIELD', 'identities[0].connection'],
      [2, 'INVALID_FIELD', 'identities[0].connection'],
      [3, 'INVALID_FIELD', 'identities[0].connection'],
    ]);
    expect(p.records.map((r) => r.providedId)).toEqual(['github|7']);
  });

  it('an enterprise connection with a second identity is ENTERPRISE_IDENTITY_EXCLUSIVE', async () => {
    const p = await parseAll(
      jsonl({
        user_id: 'samlp|acme|1',
        email: 'a@acme.io',
        identities: [
          { connection: 'acme-saml', provider: 'samlp', user_id: 'acme|1' },
          { connection: 'github', provider: 'github', user_id: '9', isSocial: true },
        ],
      }),
      { format: 'auth0' },
    );
    expect(rowIssues(p).map((i) => i.code)).toEqual(['ENTERPRISE_IDENTITY_EXCLUSIVE']);
  });
});

describe('Auth0 password-hash export', () => {
  it('produces password records matched by _id.$oid, else email', async () => {
    const file = jsonl(
      {
        _id: { $oid: '60425da93519d90068f82966' },
        email: 'Ann@Example.com',
        email_verified: false,
        passwordHash: '$2b$10$C9x6wgdSUaAPw3pOSFjzw.ybXD2cYz6Vay8IWC0v6M6EiSSnr1R3a',
        connection: 'Username-Password-Authentication',
      },
      { email: 'bob@example.com', passwordHash: '$2b$10$C9x6wgdSUaAPw3pOSFjzw.ybXD2cYz6Vay8IWC0v6M6EiSSnr1R3a', connection: 'Username-Password-Authentication' },
    );
    const p = await parseAll(file);
    expect(p.summary.format).toBe('auth0_passwords');
    expect(p.records.map((r) => [r.kind, r.userKey, r.providedId, r.email, r.password?.hashingMethod])).toEqual([
      ['password', 'id:60425da93519d90068f82966', '60425da93519d90068f82966', 'ann@example.com', 'bcrypt'],
      ['password', 'email:bob@example.com', undefined, 'bob@example.com', 'bcrypt'],
    ]);
  });

  it('a line with neither id nor email fails with MISSING_IDENTITY', async () => {
    const p = await parseAll(jsonl({ passwordHash: '$2b$10$x', connection: 'c' }), { format: 'auth0_passwords' });
    expect(p.failed.map((f) => f.errors.map((e) => e.code))).toEqual([['MISSING_IDENTITY']]);
  });
});

describe('format detection', () => {
  it.each([
    ['CSV with a header', 'email,first_name\na@x.io,A\n', 'csv'],
    ['CSV with a BOM', '\uFEFFemail\na@x.io\n', 'csv'],
    ['Kinde NDJSON', `${DOCS_EXAMPLE}\n`, 'kinde_ndjson'],
    ['Kinde NDJSON after blank lines and a BOM', `\uFEFF\n\n  ${DOCS_EXAMPLE}\n`, 'kinde_ndjson'],
    ['Auth0 users', jsonl({ user_id: 'auth0|1', identities: [] }), 'auth0'],
    ['Auth0 passwords (_id)', jsonl({ _id: { $oid: '1' }, passwordHash: 'x' }), 'auth0_passwords'],
    ['Auth0 passwords (passwordHash only)', jsonl({ email: 'a@x.io', passwordHash: 'x' }), 'auth0_passwords'],
    ['a broken first JSON line', '{"id": \n', 'kinde_ndjson'],
  ])('%s → %s', async (_name, file, format) => {
    expect(detectFormat(Buffer.from(file))).toBe(format);
    const p = await parseAll(file, {}, 3);
    expect(p.summary.format).toBe(format);
  });

  it('a given NDJSON format on a CSV file is UNSUPPORTED_FORMAT', async () => {
    const p = await parseAll('email\na@x.io\n', { format: 'kinde_ndjson' });
    expect(p.summary.errors.map((e) => e.code)).toEqual(['UNSUPPORTED_FORMAT']);
  });
});
