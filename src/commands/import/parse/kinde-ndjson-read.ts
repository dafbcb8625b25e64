import type { KindeNdjsonUser } from './kinde-ndjson-schema';

/**
 * Whether KindeNdjsonUserSchema accepts `v` plainly: every member the schema knows
 * has its type, and nothing rare is present (password params, identity profiles),
 * so that reading `v` itself gives the values zod's copy would hold. False whenever
 * in doubt: the caller then asks zod, whose first issue is the row's error. zod's
 * parse (a check and a copy of every object of the line) was a fifth of the NDJSON
 * parse. test/import/parse-ndjson-read.unit.test.ts compares both.
 */
export function isPlainKindeUser(v: Record<string, unknown>): v is KindeNdjsonUser {
  const id = v.id;
  if (id !== undefined && typeof id !== 'string') return false;
  const password = v.password;
  if (password !== undefined && password !== null && !isPlainPassword(password)) return false;
  if (!isNullishString(v.first_name) || !isNullishString(v.last_name)) return false;
  const identities = v.identities;
  if (identities !== undefined) {
    if (!Array.isArray(identities)) return false;
    for (const i of identities as unknown[]) if (!isPlainIdentity(i)) return false;
  }
  if (!isKeyValueList(v.properties) || !isKeyValueList(v.feature_flags)) return false;
  const organizations = v.organizations;
  if (organizations !== undefined) {
    if (!Array.isArray(organizations)) return false;
    for (const o of organizations as unknown[]) if (!isPlainOrganization(o)) return false;
  }
  return true;
}

/**
 * KindeNdjsonUserSchema.safeParse's result for a line isPlainKindeUser accepts, else
 * null: the schema's members in the schema's order, unknown members dropped, fresh
 * objects and arrays.
 */
export function readKindeUser(v: Record<string, unknown>): KindeNdjsonUser | null {
  if (!isPlainKindeUser(v)) return null;
  const out: Record<string, unknown> = {};
  if (v.id !== undefined) out.id = v.id;
  const password = v.password;
  if (password !== undefined) out.password = password === null ? null : copyPassword(password);
  if (v.first_name !== undefined) out.first_name = v.first_name;
  if (v.last_name !== undefined) out.last_name = v.last_name;
  if (v.identities !== undefined) out.identities = v.identities.map(copyIdentity);
  if (v.properties !== undefined) out.properties = v.properties.map(copyKeyValue);
  if (v.feature_flags !== undefined) out.feature_flags = v.feature_flags.map(copyKeyValue);
  if (v.organizations !== undefined) out.organizations = v.organizations.map(copyOrganization);
  return out;
}

type Password = NonNullable<KindeNdjsonUser['password']>;
type Identity = NonNullable<KindeNdjsonUser['identities']>[number];
type Organization = NonNullable<KindeNdjsonUser['organizations']>[number];
type KeyValue = NonNullable<KindeNdjsonUser['properties']>[number];

/** `{ key, value }` as the schema has it (the mapper stores these in records: never the line's own objects). */
export function copyKeyValue(kv: KeyValue): KeyValue {
  return { key: kv.key, value: kv.value };
}

/** `{ audience, scope }` as the schema has it. */
export function copyScope(s: { readonly audience: string; readonly scope: string }): { audience: string; scope: string } {
  return { audience: s.audience, scope: s.scope };
}

function copyPassword(p: Password): Password {
  const out: Record<string, unknown> = {};
  if (p.salt !== undefined) out.salt = p.salt;
  if (p.salt_format !== undefined) out.salt_format = p.salt_format;
  if (p.salt_position !== undefined) out.salt_position = p.salt_position;
  if (p.hashed_password !== undefined) out.hashed_password = p.hashed_password;
  if (p.hashing_algorithm !== undefined) out.hashing_algorithm = p.hashing_algorithm;
  return out;
}

function copyIdentity(i: Identity): Identity {
  const out: Record<string, unknown> = { type: i.type, identity: i.identity };
  if (i.is_verified !== undefined) out.is_verified = i.is_verified;
  if (i.provider !== undefined) out.provider = i.provider;
  return out as Identity;
}

function copyOrganization(o: Organization): Organization {
  const out: Record<string, unknown> = { external_id: o.external_id };
  if (o.roles !== undefined) out.roles = o.roles.slice();
  if (o.permissions !== undefined) out.permissions = o.permissions.slice();
  if (o.scopes !== undefined) out.scopes = o.scopes.map(copyScope);
  return out as Organization;
}

/** A JSON object (JSON.parse only makes plain ones): not null, not an array. */
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNullishString(x: unknown): boolean {
  return x === undefined || x === null || typeof x === 'string';
}

function isPlainPassword(p: unknown): boolean {
  // Method parameters (scrypt, Firebase scrypt) are rare: zod reads those lines.
  if (!isObject(p) || p.params !== undefined) return false;
  if (!isNullishString(p.salt)) return false;
  const format = p.salt_format;
  if (format !== undefined && format !== null && format !== 'hex' && format !== 'string') return false;
  const position = p.salt_position;
  if (position !== undefined && position !== null && position !== 'prefix' && position !== 'suffix') return false;
  return isNullishString(p.hashed_password) && isNullishString(p.hashing_algorithm);
}

function isPlainIdentity(i: unknown): boolean {
  if (!isObject(i) || typeof i.type !== 'string' || typeof i.identity !== 'string') return false;
  if (i.is_verified !== undefined && typeof i.is_verified !== 'boolean') return false;
  if (i.provider !== undefined && typeof i.provider !== 'string') return false;
  return i.profile === undefined; // rare: zod copies records its own way
}

function isKeyValueList(kvs: unknown): boolean {
  if (kvs === undefined) return true;
  if (!Array.isArray(kvs)) return false;
  for (const kv of kvs as unknown[]) {
    if (!isObject(kv)) return false;
    const k = kv.key;
    if (typeof k !== 'string' || k.length < 1 || typeof kv.value !== 'string') return false;
  }
  return true;
}

function isPlainOrganization(o: unknown): boolean {
  if (!isObject(o)) return false;
  const externalId = o.external_id;
  if (typeof externalId !== 'string' || externalId.length < 1) return false;
  if (!isStringList(o.roles) || !isStringList(o.permissions)) return false;
  const scopes = o.scopes;
  if (scopes === undefined) return true;
  if (!Array.isArray(scopes)) return false;
  for (const s of scopes as unknown[]) if (!isObject(s) || typeof s.audience !== 'string' || typeof s.scope !== 'string') return false;
  return true;
}

function isStringList(xs: unknown): boolean {
  if (xs === undefined) return true;
  if (!Array.isArray(xs)) return false;
  for (const x of xs as unknown[]) if (typeof x !== 'string') return false;
  return true;
}
