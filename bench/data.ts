import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import * as unixcrypt from 'unixcrypt';
import { md5Crypt } from '../src/passwords/md5-crypt';

const md5CryptFallback = (plain: string, salt: string) => md5Crypt(Buffer.from(plain, 'utf8'), salt);

/*
 * Deterministic benchmark data: user i is a pure function of (seed, i), so the
 * Kinde CSV, the Kinde NDJSON and the Auth0 export describe the same users, and
 * every file is written as a stream (1M users never live in memory at once).
 *
 * Mix: ~30% of users in two or more organizations with roles and permissions,
 * ~40% in one, the rest in none; ~70% with a password hash drawn from a small
 * pre-computed pool (bcrypt, md5, sha256, crypt); 1% invalid rows of five kinds.
 */

export const BENCH_DIR = path.dirname(new URL(import.meta.url).pathname);
export const DATA_DIR = path.join(BENCH_DIR, 'data');
export const DEFAULT_SEED = 20261125;

// ---------------------------------------------------------------------------
// PRNG: sfc32 seeded through splitmix32 of (seed, i)

function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function rng(seed: number, stream: number): () => number {
  const s = splitmix32((seed ^ Math.imul(stream, 0x27d4eb2d)) >>> 0);
  let a = s(),
    b = s(),
    c = s(),
    d = s();
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return (r >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------
// The pre-computed hash pool (made once with real tools, cached in bench/data)

export type PoolMethod = 'bcrypt' | 'md5' | 'sha256' | 'crypt';
export interface PoolHash {
  readonly method: PoolMethod;
  /** The password that verifies (bench data only; never logged). */
  readonly plain: string;
  readonly hashed_password: string;
  readonly salt?: string;
  readonly salt_position?: 'prefix' | 'suffix';
  readonly salt_format?: 'string' | 'hex';
  /** Which tool made it. */
  readonly tool: string;
}

const POOL_FILE = path.join(DATA_DIR, 'hash-pool.json');
const POOL_VERSION = 1;
export const POOL_BCRYPT_COST = 10;

export function hashPool(): PoolHash[] {
  try {
    const cached = JSON.parse(fs.readFileSync(POOL_FILE, 'utf8')) as { version: number; hashes: PoolHash[] };
    if (cached.version === POOL_VERSION) return cached.hashes;
  } catch {
    // not made yet
  }
  const hashes: PoolHash[] = [];
  const r = rng(DEFAULT_SEED, 0x5eed);
  const plainFor = (k: number) => `bench-pass-${k}-${Math.floor(r() * 1e9).toString(36)}`;
  let k = 0;
  for (let j = 0; j < 8; j++) {
    const plain = plainFor(k++);
    hashes.push({ method: 'bcrypt', plain, hashed_password: bcrypt.hashSync(plain, POOL_BCRYPT_COST), tool: `bcryptjs cost ${POOL_BCRYPT_COST}` });
  }
  const digest = (alg: 'md5' | 'sha256', s: string | Buffer) => createHash(alg).update(s).digest('hex');
  for (const alg of ['md5', 'sha256'] as const) {
    for (let j = 0; j < 8; j++) {
      const plain = plainFor(k++);
      const variant = j % 4;
      if (variant === 0) {
        hashes.push({ method: alg, plain, hashed_password: digest(alg, plain), tool: `node crypto ${alg}` });
      } else {
        const position = variant === 2 ? 'suffix' : 'prefix';
        const hex = variant === 3;
        const saltBytes = randomBytes(8);
        const salt = hex ? saltBytes.toString('hex') : saltBytes.toString('base64url');
        const saltBuf = hex ? saltBytes : Buffer.from(salt, 'utf8');
        const input = position === 'prefix' ? Buffer.concat([saltBuf, Buffer.from(plain)]) : Buffer.concat([Buffer.from(plain), saltBuf]);
        hashes.push({ method: alg, plain, hashed_password: digest(alg, input), salt, salt_position: position, salt_format: hex ? 'hex' : 'string', tool: `node crypto ${alg} salted` });
      }
    }
  }
  for (let j = 0; j < 8; j++) {
    const plain = plainFor(k++);
    const flag = j < 4 ? '-1' : j < 6 ? '-5' : '-6';
    hashes.push({ method: 'crypt', plain, ...cryptHash(plain, flag) });
  }
  fs.mkdirSync(DATA_DIR, { recursive: true });
  fs.writeFileSync(POOL_FILE, JSON.stringify({ version: POOL_VERSION, hashes }, null, 1), { mode: 0o600 });
  return hashes;
}

/** crypt(3) hashes from openssl; where openssl is missing, from the unixcrypt package and src/passwords' md5-crypt. */
function cryptHash(plain: string, flag: '-1' | '-5' | '-6'): { hashed_password: string; tool: string } {
  try {
    return {
      hashed_password: execFileSync('openssl', ['passwd', flag, '-stdin'], { input: plain, stdio: ['pipe', 'pipe', 'ignore'] })
        .toString()
        .trim(),
      tool: `openssl passwd ${flag}`,
    };
  } catch {
    const salt = randomBytes(6).toString('base64').replace(/\+/g, '.');
    if (flag === '-1') return { hashed_password: md5CryptFallback(plain, salt), tool: 'src/passwords md5Crypt' };
    return { hashed_password: unixcrypt.encrypt(plain, `$${flag.slice(1)}$${salt}`), tool: 'unixcrypt' };
  }
}

// ---------------------------------------------------------------------------
// One user, from (seed, i)

const FIRST = [
  'Anna',
  'Ben',
  'Chloé',
  'David',
  'Eva',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kemi',
  'Liam',
  'Mia',
  'Noah',
  'Olga',
  'Pablo',
  'Quinn',
  'Rosa',
  'Sven',
  'Tara',
  'Umar',
  'Vera',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoë',
];
const LAST = [
  'Smith',
  'Müller',
  'García',
  'Nguyen',
  'Kowalski',
  'Okafor',
  'Rossi',
  'Tanaka',
  'Dubois',
  'Novak',
  'Silva',
  'Johansson',
  'Kim',
  'Patel',
  "O'Brien",
  'Ivanova',
  'Cohen',
  'Haddad',
  'Larsen',
  'Moreau',
];
const ROLES = ['admin', 'manager', 'member', 'viewer', 'billing', 'support'];
const PERMISSIONS = ['read:users', 'write:users', 'read:billing', 'write:billing', 'read:reports', 'manage:orgs', 'export:data'];
const ORGS = 200;
const AREAS = ['201', '202', '212', '213', '305', '312', '415', '617', '646', '718'];

export type InvalidKind = 'bad_email' | 'bad_phone' | 'missing_identity' | 'duplicate' | 'malformed';
const INVALID_KINDS: readonly InvalidKind[] = ['bad_email', 'bad_phone', 'missing_identity', 'duplicate', 'malformed'];

export interface BenchOrg {
  readonly externalId: string;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
}

export interface BenchUser {
  readonly index: number;
  readonly id: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly phone: string | null;
  readonly username: string | null;
  /** Same roles and permissions in each organization (what one CSV row can say). */
  readonly orgs: readonly BenchOrg[];
  readonly password: PoolHash | null;
  readonly social: boolean;
  readonly invalid: InvalidKind | null;
  readonly createdAt: string;
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function pickSome<T>(r: () => number, xs: readonly T[], n: number): T[] {
  const out = new Set<T>();
  while (out.size < n) out.add(pick(r, xs));
  return [...out];
}

export function phoneOf(i: number): string {
  const k = Math.floor(i / AREAS.length);
  return `+1${AREAS[i % AREAS.length]}${200 + (Math.floor(k / 10000) % 800)}${String(k % 10000).padStart(4, '0')}`;
}

/** 1% invalid: one user in every hundred, the kind cycling. */
export function invalidKindOf(i: number): InvalidKind | null {
  return i % 100 === 37 ? INVALID_KINDS[Math.floor(i / 100) % INVALID_KINDS.length]! : null;
}

export function userAt(seed: number, i: number, pool: readonly PoolHash[]): BenchUser {
  const r = rng(seed, i + 1);
  const firstName = pick(r, FIRST);
  const lastName = pick(r, LAST);
  const invalid = invalidKindOf(i);
  const slug = `${firstName}.${lastName}`
    .normalize('NFD')
    .replace(/[^A-Za-z.]/g, '')
    .toLowerCase();
  let email: string | null = `${slug}.${i}@example${i % 7}.com`;
  let phone: string | null = r() < 0.4 ? phoneOf(i) : null;
  let username: string | null = r() < 0.2 ? `user_${i.toString(36)}` : null;
  const orgRoll = r();
  const orgCount = orgRoll < 0.3 ? 2 + Math.floor(r() * 2) : orgRoll < 0.7 ? 1 : 0;
  const orgs: BenchOrg[] = [];
  if (orgCount > 0) {
    const roles = pickSome(r, ROLES, 1 + Math.floor(r() * 2));
    const permissions = pickSome(r, PERMISSIONS, 1 + Math.floor(r() * 3));
    for (const o of pickSome(
      r,
      Array.from({ length: ORGS }, (_, k) => k),
      orgCount,
    )) {
      orgs.push({ externalId: `org_${o}`, roles, permissions });
    }
  }
  const password = r() < 0.7 ? pool[weightedMethodIndex(r, pool)]! : null;
  const social = r() < 0.1;
  const emailVerified = r() < 0.85;
  const createdAt = new Date(Date.UTC(2020, 0, 1) + Math.floor(r() * 5 * 365 * 86400) * 1000).toISOString();
  switch (invalid) {
    case 'bad_email':
      email = `not-an-email-${i}`;
      break;
    case 'bad_phone':
      phone = `+1 555 ${i % 1000}`;
      break;
    case 'missing_identity':
      email = null;
      phone = null;
      username = null;
      break;
    case 'duplicate':
      email = userAt(seed, i - 1, pool).email;
      break; // the email of the row above, under another id
    case 'malformed':
      break; // written broken by each format's writer
    case null:
      break;
    default: {
      const never: never = invalid;
      return never;
    }
  }
  return { index: i, id: `bench-u${i}`, firstName, lastName, email, emailVerified, phone, username, orgs, password, social, invalid, createdAt };
}

/** bcrypt 40%, md5 20%, sha256 25%, crypt 15%; a pool entry of that method. */
function weightedMethodIndex(r: () => number, pool: readonly PoolHash[]): number {
  const x = r();
  const method: PoolMethod = x < 0.4 ? 'bcrypt' : x < 0.6 ? 'md5' : x < 0.85 ? 'sha256' : 'crypt';
  const candidates = pool.map((p, k) => (p.method === method ? k : -1)).filter((k) => k >= 0);
  return candidates[Math.floor(r() * candidates.length)]!;
}

// ---------------------------------------------------------------------------
// Writers, one line per user

const CSV_HEADER = 'id,email,phone,username,first_name,last_name,email_verified,external_organization_id,roles,permissions,hashed_password,hashing_method,salt,salt_position,salt_format';

function csvField(v: string | null | undefined): string {
  if (v === null || v === undefined || v === '') return '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(u: BenchUser): string {
  if (u.invalid === 'malformed') return `${u.id},${u.email},extra,fields,,,,,`; // wrong field count
  const p = u.password;
  return [
    u.id,
    u.email,
    u.phone,
    u.username,
    u.firstName,
    u.lastName,
    u.emailVerified ? 'true' : 'false',
    u.orgs.map((o) => o.externalId).join(','),
    u.orgs[0]?.roles.join(',') ?? '',
    u.orgs[0]?.permissions.join(',') ?? '',
    p?.hashed_password,
    p?.method,
    p?.salt,
    p?.salt_position,
    p?.salt_format,
  ]
    .map(csvField)
    .join(',');
}

export function kindeNdjsonLine(u: BenchUser): string {
  const json = JSON.stringify({
    id: u.id,
    first_name: u.firstName,
    last_name: u.lastName,
    identities: [
      ...(u.email !== null ? [{ type: 'email', identity: u.email, is_verified: u.emailVerified }] : []),
      ...(u.phone !== null ? [{ type: 'phone', identity: u.phone, is_verified: false }] : []),
      ...(u.username !== null ? [{ type: 'username', identity: u.username }] : []),
    ],
    ...(u.orgs.length > 0 ? { organizations: u.orgs.map((o) => ({ external_id: o.externalId, roles: o.roles, permissions: o.permissions })) } : {}),
    ...(u.password
      ? {
          password: {
            hashed_password: u.password.hashed_password,
            hashing_algorithm: u.password.method,
            ...(u.password.salt ? { salt: u.password.salt, salt_position: u.password.salt_position, salt_format: u.password.salt_format } : {}),
          },
        }
      : {}),
  });
  return u.invalid === 'malformed' ? json.slice(0, Math.floor(json.length / 2)) : json;
}

export function auth0Line(u: BenchUser): string {
  const local = u.id;
  const json = JSON.stringify({
    user_id: u.social ? `google-oauth2|${100000 + u.index}` : `auth0|${local}`,
    ...(u.email !== null ? { email: u.email, email_verified: u.emailVerified } : {}),
    ...(u.phone !== null ? { phone_number: u.phone, phone_verified: false } : {}),
    ...(u.username !== null ? { username: u.username } : {}),
    given_name: u.firstName,
    family_name: u.lastName,
    name: `${u.firstName} ${u.lastName}`,
    created_at: u.createdAt,
    identities: [
      u.social
        ? { connection: 'google-oauth2', provider: 'google-oauth2', user_id: String(100000 + u.index), isSocial: true }
        : { connection: 'Username-Password-Authentication', provider: 'auth0', user_id: local, isSocial: false },
    ],
    ...(u.orgs.length > 0 ? { app_metadata: { organizations: u.orgs.map((o) => o.externalId) } } : {}),
  });
  return u.invalid === 'malformed' ? json.slice(0, Math.floor(json.length / 2)) : json;
}

/** Auth0's separate password export: bcrypt hashes of database-connection users. */
export function auth0PasswordLine(u: BenchUser): string | null {
  if (u.social || u.password?.method !== 'bcrypt' || u.invalid !== null) return null;
  return JSON.stringify({ _id: { $oid: u.id }, email: u.email, email_verified: u.emailVerified, passwordHash: u.password.hashed_password, connection: 'Username-Password-Authentication' });
}

// ---------------------------------------------------------------------------
// Files

export interface DataSet {
  readonly users: number;
  readonly seed: number;
  readonly dir: string;
  readonly csv: string;
  readonly ndjson: string;
  readonly auth0: string;
  readonly auth0Passwords: string;
  /** Tab-separated rows for the COPY baseline: the valid users. */
  readonly copyTsv: string;
  readonly validUsers: number;
  readonly pool: readonly PoolHash[];
}

async function writeLines(file: string, header: string | null, n: number, line: (i: number) => string | null): Promise<void> {
  const tmp = `${file}.tmp`;
  const out = fs.createWriteStream(tmp, { highWaterMark: 1 << 20 });
  const chunk: string[] = header === null ? [] : [header];
  for (let i = 0; i < n; i++) {
    const l = line(i);
    if (l !== null) chunk.push(l);
    if (chunk.length >= 2000 || i === n - 1) {
      if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
      chunk.length = 0;
    }
  }
  if (chunk.length > 0) out.write(chunk.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
  fs.renameSync(tmp, file);
}

function tsvField(v: string | null): string {
  return v === null ? '\\N' : v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

/** What a user row of the COPY baseline holds: the same facts the import stores. */
export function copyRow(u: BenchUser): string {
  return [
    u.id,
    u.email,
    u.phone,
    u.username,
    u.firstName,
    u.lastName,
    u.emailVerified ? 't' : 'f',
    JSON.stringify(u.orgs),
    u.password ? JSON.stringify({ method: u.password.method, hash: u.password.hashed_password, salt: u.password.salt ?? null }) : null,
  ]
    .map(tsvField)
    .join('\t');
}

/** Generates (or reuses) the files for N users; returns their paths. */
export async function ensureDataSet(users: number, seed = DEFAULT_SEED, log: (s: string) => void = () => {}): Promise<DataSet> {
  const pool = hashPool();
  const dir = path.join(DATA_DIR, `${seed}-${users}`);
  const set: DataSet = {
    users,
    seed,
    dir,
    pool,
    csv: path.join(dir, 'kinde-users.csv'),
    ndjson: path.join(dir, 'kinde-users.ndjson'),
    auth0: path.join(dir, 'auth0-users.ndjson'),
    auth0Passwords: path.join(dir, 'auth0-passwords.ndjson'),
    copyTsv: path.join(dir, 'copy-users.tsv'),
    validUsers: users - countInvalid(users),
  };
  const marker = path.join(dir, 'complete');
  if (fs.existsSync(marker)) return set;
  fs.mkdirSync(dir, { recursive: true });
  const started = performance.now();
  // One pass of user generation per file keeps memory flat; generation is cheap next to the writes.
  const at = (i: number) => userAt(seed, i, pool);
  await writeLines(set.csv, CSV_HEADER, users, (i) => csvLine(at(i)));
  await writeLines(set.ndjson, null, users, (i) => kindeNdjsonLine(at(i)));
  await writeLines(set.auth0, null, users, (i) => auth0Line(at(i)));
  await writeLines(set.auth0Passwords, null, users, (i) => auth0PasswordLine(at(i)));
  await writeLines(set.copyTsv, null, users, (i) => {
    const u = at(i);
    return u.invalid === null ? copyRow(u) : null;
  });
  fs.writeFileSync(marker, new Date().toISOString());
  log(`generated ${users} users into ${path.relative(process.cwd(), dir)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return set;
}

export function countInvalid(users: number): number {
  return users > 37 ? Math.floor((users - 38) / 100) + 1 : 0;
}

export function fileMiB(file: string): number {
  return fs.statSync(file).size / (1 << 20);
}
