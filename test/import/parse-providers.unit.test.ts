import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateImport, type ImportRecord } from '../../src/commands/import/parse';
import { parseColumnMap } from '../../src/commands/import/parse/column-map';
import { parseFirebaseHashConfig, type FirebaseHashConfig } from '../../src/commands/import/parse/firebase';
import { keycloakCredentialHash } from '../../src/commands/import/parse/keycloak';
import { jsonl, parseAll, rowIssues, streamOf } from './parse-helpers';

/** Sample exports written from each provider's published export format (test/fixtures/import). */
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../fixtures/import', name), 'utf8');
const hashConfig = (): FirebaseHashConfig => {
  const c = parseFirebaseHashConfig(fixture('firebase-hash-config.json'));
  if (!c.ok) throw new Error(c.reason);
  return c.config;
};
const byId = (records: readonly ImportRecord[], id: string) => records.find((r) => r.providedId === id);
const codes = (p: Awaited<ReturnType<typeof parseAll>>) =>
  rowIssues(p)
    .map((i) => `${i.line}:${i.code}`)
    .sort();

describe('Firebase auth:export', () => {
  it('JSON: detected, streamed user by user, the project hash parameters attached to each password', async () => {
    const p = await parseAll(fixture('firebase-users.json'), { firebaseHashConfig: hashConfig() }, 13);
    expect(p.summary.format).toBe('firebase');
    expect(p.summary.columns).toEqual([]);
    expect(p.summary.rowsRead).toBe(5);
    const ada = byId(p.records, 'fb-user-1')!;
    expect(ada).toMatchObject({ email: 'user1@firebase.example.com', firstName: 'Ada', lastName: 'Lovelace', picture: 'https://example.com/ada.png' });
    expect(ada.identities[0]).toMatchObject({ type: 'email', isVerified: true });
    expect(ada.password).toEqual({
      hashedPassword: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
      hashingMethod: 'firebase_scrypt',
      salt: '42xEC+ixf3L2lw==',
      params: {
        signer_key: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
        salt_separator: 'Bw==',
        rounds: 8,
        mem_cost: 14,
      },
    });
    expect(byId(p.records, 'fb-user-2')!.identities.map((i) => i.type)).toEqual(['email', 'oauth2:google']);
    expect(byId(p.records, 'fb-user-3')!.phone).toBe('+61412345678');
    // Record 4 has an invalid email; its text is kept (one NDJSON line) for the failed-rows file.
    expect(p.failed.map((f) => [f.line, f.errors[0]!.code])).toEqual([[4, 'INVALID_EMAIL']]);
    expect(JSON.parse(p.failed[0]!.raw.text)).toMatchObject({ localId: 'fb-user-4' });
  });

  it("a provider named after one of Object's members is an unknown provider: no identity from it, the user imports", async () => {
    const users = ['__proto__', 'constructor'].map((providerId, i) => ({ localId: `fb-${i}`, email: `u${i}@firebase.example.com`, providerUserInfo: [{ providerId, rawId: `r${i}` }] }));
    const p = await parseAll(JSON.stringify({ users }, null, 2), { format: 'firebase' });
    expect(p.failed).toEqual([]);
    expect(p.records.map((r) => r.identities.map((i) => i.type))).toEqual([['email'], ['email']]);
  });

  it('without the hash parameters: users import, their passwords are PASSWORD_NOT_IMPORTED', async () => {
    const p = await parseAll(fixture('firebase-users.json'));
    expect(byId(p.records, 'fb-user-1')!.password).toBeUndefined();
    expect(codes(p)).toEqual(['1:PASSWORD_NOT_IMPORTED', '4:INVALID_EMAIL', '5:PASSWORD_NOT_IMPORTED', '5:SUSPENDED_AT_SOURCE']);
    expect(
      rowIssues(p)
        .map((i) => i.message)
        .join(' '),
    ).not.toContain('lSrfV15');
  });

  it('CSV: header-less rows detected by their shape, read in the documented column order', async () => {
    const p = await parseAll(fixture('firebase-users.csv'), { firebaseHashConfig: hashConfig() });
    expect(p.summary.format).toBe('firebase');
    expect(p.summary.columns[0]).toBe('UID');
    expect(p.records.map((r) => r.providedId)).toEqual(['fb-csv-1', 'fb-csv-2', 'fb-csv-3']);
    expect(byId(p.records, 'fb-csv-1')!.password?.hashingMethod).toBe('firebase_scrypt');
    expect(byId(p.records, 'fb-csv-2')!.identities.map((i) => `${i.type}:${i.identity}`)).toEqual(['email:csv2@firebase.example.com', 'oauth2:google:104523123456789099999']);
    expect(byId(p.records, 'fb-csv-3')!.phone).toBe('+61412345680');
    expect(p.failed.map((f) => [f.line, f.errors[0]!.code])).toEqual([[4, 'MISSING_IDENTITY']]);
  });

  it("the console's hash_config text and plain JSON both read; a missing signer key is refused", () => {
    const text = 'hash_config {\n  algorithm: SCRYPT,\n  base64_signer_key: a2V5,\n  base64_salt_separator: Bw==,\n  rounds: 8,\n  mem_cost: 14,\n}';
    expect(parseFirebaseHashConfig(text)).toEqual({ ok: true, config: { algorithm: 'SCRYPT', base64_signer_key: 'a2V5', base64_salt_separator: 'Bw==', rounds: 8, mem_cost: 14 } });
    const bad = parseFirebaseHashConfig('{"rounds": 8, "mem_cost": 14}');
    expect(bad.ok).toBe(false);
    expect(parseFirebaseHashConfig('{"algorithm":"HMAC_SHA256","base64_signer_key":"a2V5","rounds":8,"mem_cost":14}').ok).toBe(false);
  });

  it('a document broken halfway is a file error in the validation pass (nothing is applied)', async () => {
    const broken = fixture('firebase-users.json').replace('"fb-user-3"', '"fb-user-3",,');
    const v = await validateImport(streamOf(broken, 64));
    expect(v.ok).toBe(false);
    expect(v.errors.map((e) => e.code)).toEqual(['UNSUPPORTED_FORMAT']);
    expect(v.errors[0]!.message).toContain('record 3');
  });

  it('its failed-rows file (NDJSON lines of Firebase users) imports again as firebase', async () => {
    const p = await parseAll(jsonl({ localId: 'x1', email: 'x1@firebase.example.com', _error: { code: 'INVALID_EMAIL' } }));
    expect(p.summary.format).toBe('firebase');
    expect(p.records.map((r) => r.providedId)).toEqual(['x1']);
  });
});

describe('Keycloak realm export', () => {
  it('users, PBKDF2 credentials as passlib strings, realm and client roles, groups as organizations, required actions', async () => {
    const p = await parseAll(fixture('keycloak-realm.json'), {}, 29);
    expect(p.summary.format).toBe('keycloak');
    const ada = byId(p.records, '8a1c1f52-3b4d-4e5f-8a9b-0c1d2e3f4a5b')!;
    expect(ada.identities.map((i) => `${i.type}:${i.identity}`)).toEqual(['email:ada@keycloak.example.com', 'username:ada', 'phone:+61412345679']);
    expect(ada.password).toEqual({
      hashingMethod: 'pbkdf2',
      hashedPassword: '$pbkdf2-sha256$27500$jR07Xi9qTHueDxorPE1ebw$qQ9m7Ia3VKpghHLZZ1sQRWdCNNv2XjnRvcjB9FDwPiHE71diLJJq88aXFpfCoD31BZlf9LoIUrV9VetvyHdnzg',
    });
    // Built-in roles (default-roles-*, offline_access, the account client) are left out.
    expect(ada.organizations).toEqual([{ externalId: 'acme', roles: ['admin', 'billing-app:viewer'], permissions: [], scopes: [] }]);
    expect(ada.passwordResetRequired).toBeUndefined();

    const grace = byId(p.records, '9b2d2a63-4c5e-4f60-9bac-1d2e3f4a5b6c')!;
    // The username is the email: one email identity; VERIFY_EMAIL means not verified.
    expect(grace.identities).toEqual([expect.objectContaining({ type: 'email', identity: 'grace@keycloak.example.com', isVerified: false })]);
    expect(grace.password?.hashedPassword.startsWith('$pbkdf2-sha512$27500$b15NPCsaD557TGovXjsdjQ$')).toBe(true);
    expect(grace.passwordResetRequired).toBe(true);
    expect(grace.organizations).toEqual([{ externalId: 'nowhere', roles: [], permissions: [], scopes: [] }]);

    const linus = byId(p.records, '0c3e3b74-5d6f-4a71-8bcd-2e3f4a5b6c7d')!;
    expect(linus.identities.map((i) => i.type)).toEqual(['username', 'oauth2:github']);
    expect(linus.suspendedAtSource).toBe('disabled in Keycloak');
    expect(ada.suspendedAtSource).toBeUndefined();
    // The service account is refused with a reason.
    expect(p.failed.map((f) => [f.line, f.errors[0]!.code, f.errors[0]!.field])).toEqual([[4, 'INVALID_FIELD', 'serviceAccountClientId']]);
  });

  it('credential conversion: ab64 salts and hashes; argon2 becomes a PHC string; unknown algorithms are refused', () => {
    const pbkdf2 = keycloakCredentialHash('{"value":"a+b/cw==","salt":"AB+/"}', '{"hashIterations":1000,"algorithm":"pbkdf2"}');
    expect(pbkdf2).toEqual({ hash: '$pbkdf2$1000$AB./$a.b/cw', method: 'pbkdf2' });
    const argon = keycloakCredentialHash(
      '{"value":"aGFzaA==","salt":"c2FsdHNhbHQ="}',
      '{"hashIterations":5,"algorithm":"argon2","additionalParameters":{"hashLength":["32"],"memory":["7168"],"type":["id"],"version":["1.3"],"parallelism":["1"]}}',
    );
    expect(argon).toEqual({ hash: '$argon2id$v=19$m=7168,t=5,p=1$c2FsdHNhbHQ$aGFzaA', method: 'argon2' });
    expect(keycloakCredentialHash('{"value":"x","salt":"y"}', '{"hashIterations":1,"algorithm":"md4"}')).toHaveProperty('reason');
    // Names of Object's own members are unknown algorithms like any other.
    for (const algorithm of ['__proto__', 'constructor', 'toString']) {
      expect(keycloakCredentialHash('{"value":"x","salt":"y"}', JSON.stringify({ hashIterations: 1, algorithm }))).toHaveProperty('reason');
    }
  });

  it("an all-realms file (a JSON array of realms) reads every realm's users", async () => {
    const realm = JSON.parse(fixture('keycloak-realm.json')) as { users: unknown[] };
    const p = await parseAll(JSON.stringify([realm, { realm: 'other', users: [{ id: 'o1', username: 'olga', email: 'olga@keycloak.example.com' }] }]), { format: 'keycloak' });
    expect(p.records.map((r) => r.providedId)).toContain('o1');
    expect(p.summary.rowsRead).toBe(5);
  });
});

describe('Supabase auth.users', () => {
  it('CSV: bcrypt passwords, confirmations as verified flags, bare-digit phones, metadata names; deleted users refused', async () => {
    const p = await parseAll(fixture('supabase-users.csv'));
    expect(p.summary.format).toBe('supabase');
    expect(p.summary.warnings).toEqual([]);
    const ada = byId(p.records, '3f1c2a7e-9b1d-4c55-8e2a-6b0f1d2c3e41')!;
    expect(ada).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', picture: 'https://example.com/ada.png', password: { hashingMethod: 'bcrypt' } });
    expect(ada.identities[0]).toMatchObject({ type: 'email', isVerified: true });
    expect(byId(p.records, '4a2d3b8f-0c2e-4d66-9f3b-7c1a2e3d4f52')!.identities[0]).toMatchObject({ isVerified: false });
    expect(byId(p.records, '5b3e4c90-1d3f-4e77-a04c-8d2b3f4e5a63')!.identities).toEqual([expect.objectContaining({ type: 'phone', identity: '+61412345670', isVerified: true })]);
    expect(p.failed.map((f) => [f.line, f.errors[0]!.code])).toEqual([
      [5, 'INVALID_FIELD'],
      [6, 'MISSING_IDENTITY'],
    ]);
  });

  it('JSON array: the same mapping, objects as metadata', async () => {
    const p = await parseAll(fixture('supabase-users.json'), {}, 11);
    expect(p.summary.format).toBe('supabase');
    expect(p.records.map((r) => [r.firstName, r.lastName, r.email, r.phone])).toEqual([
      ['Ken', 'Thompson', 'ken@supabase.example.com', undefined],
      ['Dennis', 'Ritchie', 'dennis@supabase.example.com', '+61412345671'],
    ]);
    expect(p.records[1]!.password).toBeUndefined();
  });
});

describe('Clerk export', () => {
  it('primary and verified addresses, bcrypt digests; unknown hashers PASSWORD_NOT_IMPORTED; TOTP secrets dropped', async () => {
    const p = await parseAll(fixture('clerk-users.csv'));
    expect(p.summary.format).toBe('clerk');
    const ada = byId(p.records, 'user_2aBcDeFgHiJkLmNoPqRsTuVwXy1')!;
    expect(ada.identities.map((i) => `${i.type}:${i.identity}:${i.isVerified ?? '-'}`)).toEqual([
      'email:ada@clerk.example.com:true',
      'email:ada.work@clerk.example.com:true',
      'phone:+61412345672:true',
      'username:ada_l:-',
    ]);
    expect(ada.password).toMatchObject({ hashingMethod: 'bcrypt' });
    expect(byId(p.records, 'user_2bCdEfGhIjKlMnOpQrStUvWxYz2')!.identities[0]).toMatchObject({ isVerified: false });
    // The TOTP secret is not imported, and not kept for the failed-rows file either.
    expect(JSON.stringify(p)).not.toContain('JBSWY3DPEHPK3PXP');
    expect(codes(p)).toEqual(['4:PASSWORD_NOT_IMPORTED', '5:MISSING_IDENTITY']);
  });
});

describe('Cognito user CSV', () => {
  it('no passwords: every user PASSWORD_NOT_IMPORTED and a reset required; sub is the provided id; custom attributes warned', async () => {
    const p = await parseAll(fixture('cognito-users.csv'));
    expect(p.summary.format).toBe('cognito');
    expect(p.summary.warnings.map((w) => `${w.code}:${w.field}`)).toEqual(['UNKNOWN_COLUMN:custom:tenant']);
    expect(p.records.map((r) => r.providedId)).toEqual(['0b6a2c1e-4f5d-4c3b-9a8e-1f2d3c4b5a61', '3c8b4e2f-6a7d-4e5c-8b9a-2f3e4d5c6b72', '5e0d6a4b-8c9f-4a7e-9dcb-4b5a6f7e8d94']);
    const ada = p.records[0]!;
    expect(ada.identities.map((i) => `${i.type}:${i.identity}`)).toEqual(['email:ada@cognito.example.com', 'phone:+61412345673', 'username:ada_cognito']);
    expect(ada.passwordResetRequired).toBe(true);
    // A UUID login name is not a username.
    expect(p.records[1]!.identities.map((i) => i.type)).toEqual(['email']);
    // A user with only a login name imports with a username identity.
    expect(p.records[2]!.identities.map((i) => `${i.type}:${i.identity}`)).toEqual(['username:linus_cognito']);
    expect(codes(p)).toEqual(['2:PASSWORD_NOT_IMPORTED', '3:PASSWORD_NOT_IMPORTED', '4:PASSWORD_NOT_IMPORTED']);
  });
});

describe('--map for a home-grown CSV', () => {
  const map = () => {
    const m = parseColumnMap(fixture('homegrown-map.json'));
    if (!m.ok) throw new Error(m.reason);
    return m.map;
  };

  it('columns renamed, constants filled in, a roles column split on its separator, the rest UNKNOWN_COLUMN', async () => {
    const p = await parseAll(fixture('homegrown-users.csv'), { columnMap: map() });
    expect(p.summary.format).toBe('csv');
    expect(p.summary.columns).toEqual(['user_no', 'mail', 'given', 'surname', 'groups', 'pw', 'tenant', 'last_login']);
    expect(p.summary.warnings.map((w) => `${w.code}:${w.field}`)).toEqual(['UNKNOWN_COLUMN:last_login']);
    const ada = byId(p.records, '1001')!;
    expect(ada).toMatchObject({ email: 'ada@homegrown.example.com', firstName: 'Ada', lastName: 'Lovelace', password: { hashingMethod: 'bcrypt' } });
    expect(ada.identities[0]!.isVerified).toBe(true);
    expect(ada.organizations).toEqual([{ externalId: 'acme', roles: ['admin', 'editor'], permissions: [], scopes: [] }]);
    // The failed row keeps the source's own fields for errors.csv.
    expect(p.failed.map((f) => [f.line, f.errors[0]!.code, f.raw.fields?.[0]])).toEqual([[4, 'INVALID_EMAIL', '1003']]);
  });

  it('bad maps are refused with a reason; a column the file lacks is MISSING_REQUIRED_COLUMN', async () => {
    expect(parseColumnMap('{').ok).toBe(false);
    expect(parseColumnMap({ columns: { a: 'email', b: 'email' } })).toEqual({ ok: false, reason: 'the map sends two source columns to email' });
    expect(parseColumnMap({ columns: { a: 'shoe_size' } }).ok).toBe(false);
    expect(parseColumnMap({ columns: { a: 'email' }, extra: 1 }).ok).toBe(false);
    const m = parseColumnMap({ columns: { mail: 'email', nope: 'first_name' } });
    if (!m.ok) throw new Error(m.reason);
    const v = await validateImport(streamOf(fixture('homegrown-users.csv')), { columnMap: m.map });
    expect(v.errors.map((e) => `${e.code}:${e.field}`)).toEqual(['MISSING_REQUIRED_COLUMN:nope']);
    const j = await validateImport(streamOf(jsonl({ email: 'a@x.io' })), { columnMap: m.map });
    expect(j.errors.map((e) => e.code)).toEqual(['UNSUPPORTED_FORMAT']);
  });
});

describe('a hash that names its scheme needs no hashing_method', () => {
  it('Kinde CSV with an empty method: detected from the hash', async () => {
    const p = await parseAll('email,hashed_password,hashing_method\na@x.io,{SSHA}abcdefghijklmnopqrstuvwxyz012345,\nb@x.io,0123456789abcdef0123456789abcdef,\n');
    expect(p.records[0]!.password?.hashingMethod).toBe('ldap');
    // A bare hex digest could be several methods: still PASSWORD_NOT_IMPORTED.
    expect(p.records[1]!.password).toBeUndefined();
    expect(codes(p)).toEqual(['3:PASSWORD_NOT_IMPORTED']);
  });
});
