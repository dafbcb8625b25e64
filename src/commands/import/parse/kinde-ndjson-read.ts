import type { KindeNdjsonUser } from './kinde-ndjson-schema';

/**
 * KindeNdjsonUserSchema.safeParse's result for a line that matches the schema,
 * without zod: zod checks and then copies every object of the line, which was a
 * fifth of the NDJSON parse. Same output — the schema's members in the schema's
 * order, unknown members dropped, fresh objects and arrays — or null whenever the
 * line is anything but plainly valid, and the caller asks zod, whose first issue
 * is the row's error. test/import/parse-ndjson-read.unit.test.ts compares both.
 */
export function readKindeUser(v: Record<string, unknown>): KindeNdjsonUser | null {
  const out: Record<string, unknown> = {};
  const id = v.id;
  if (id !== undefined) {
    if (typeof id !== 'string') return null;
    out.id = id;
  }
  const password = v.password;
  if (password !== undefined) {
    if (password === null) out.password = null;
    else {
      const p = readPassword(password);
      if (p === null) return null;
      out.password = p;
    }
  }
  if (!nullishString(v, 'first_name', out) || !nullishString(v, 'last_name', out)) return null;
  const identities = v.identities;
  if (identities !== undefined) {
    if (!Array.isArray(identities)) return null;
    const list: unknown[] = [];
    for (const i of identities) {
      const ident = readIdentity(i);
      if (ident === null) return null;
      list.push(ident);
    }
    out.identities = list;
  }
  for (const key of ['properties', 'feature_flags'] as const) {
    const kvs = v[key];
    if (kvs === undefined) continue;
    if (!Array.isArray(kvs)) return null;
    const list: unknown[] = [];
    for (const kv of kvs) {
      if (!isObject(kv)) return null;
      const k = kv.key;
      const value = kv.value;
      if (typeof k !== 'string' || k.length < 1 || typeof value !== 'string') return null;
      list.push({ key: k, value });
    }
    out[key] = list;
  }
  const organizations = v.organizations;
  if (organizations !== undefined) {
    if (!Array.isArray(organizations)) return null;
    const list: unknown[] = [];
    for (const o of organizations) {
      const org = readOrganization(o);
      if (org === null) return null;
      list.push(org);
    }
    out.organizations = list;
  }
  return out;
}

/** A JSON object (JSON.parse only makes plain ones): not null, not an array. */
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nullishString(v: Record<string, unknown>, key: string, out: Record<string, unknown>): boolean {
  const x = v[key];
  if (x === undefined) return true;
  if (x !== null && typeof x !== 'string') return false;
  out[key] = x;
  return true;
}

function readPassword(p: unknown): Record<string, unknown> | null {
  // Method parameters (scrypt, Firebase scrypt) are rare: zod reads those lines.
  if (!isObject(p) || p.params !== undefined) return null;
  const out: Record<string, unknown> = {};
  if (!nullishString(p, 'salt', out)) return null;
  const format = p.salt_format;
  if (format !== undefined) {
    if (format !== null && format !== 'hex' && format !== 'string') return null;
    out.salt_format = format;
  }
  const position = p.salt_position;
  if (position !== undefined) {
    if (position !== null && position !== 'prefix' && position !== 'suffix') return null;
    out.salt_position = position;
  }
  if (!nullishString(p, 'hashed_password', out) || !nullishString(p, 'hashing_algorithm', out)) return null;
  return out;
}

function readIdentity(i: unknown): Record<string, unknown> | null {
  if (!isObject(i)) return null;
  const type = i.type;
  const identity = i.identity;
  if (typeof type !== 'string' || typeof identity !== 'string') return null;
  const out: Record<string, unknown> = { type, identity };
  const verified = i.is_verified;
  if (verified !== undefined) {
    if (typeof verified !== 'boolean') return null;
    out.is_verified = verified;
  }
  const provider = i.provider;
  if (provider !== undefined) {
    if (typeof provider !== 'string') return null;
    out.provider = provider;
  }
  if (i.profile !== undefined) return null; // rare: zod copies records its own way
  return out;
}

function readOrganization(o: unknown): Record<string, unknown> | null {
  if (!isObject(o)) return null;
  const externalId = o.external_id;
  if (typeof externalId !== 'string' || externalId.length < 1) return null;
  const out: Record<string, unknown> = { external_id: externalId };
  for (const key of ['roles', 'permissions'] as const) {
    const xs = o[key];
    if (xs === undefined) continue;
    if (!Array.isArray(xs)) return null;
    for (const x of xs) if (typeof x !== 'string') return null;
    out[key] = xs.slice();
  }
  const scopes = o.scopes;
  if (scopes !== undefined) {
    if (!Array.isArray(scopes)) return null;
    const list: unknown[] = [];
    for (const s of scopes) {
      if (!isObject(s) || typeof s.audience !== 'string' || typeof s.scope !== 'string') return null;
      list.push({ audience: s.audience, scope: s.scope });
    }
    out.scopes = list;
  }
  return out;
}
