import { createCipheriv, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { hashRawSync, hashSync as argon2HashSync } from '@node-rs/argon2';
import { DATA_DIR, rng, userAt, type BenchUser, type PoolHash } from './data';
import { parseStoredPassword, verifyPasswordSync, type StoredPasswordInput } from '../src/passwords';

/*
 * The provider exports of the formats bench (bench/formats.ts): user i of the
 * ordinary data set (bench/data.ts), written in Firebase's, Keycloak's,
 * Supabase's, Clerk's and Cognito's export shapes, as a stream. Hashes come from
 * a small pool made once and cached (bench/data/format-hash-pool.json): Firebase
 * scrypt with a project's parameters, Keycloak PBKDF2 and argon2 credentials,
 * Clerk argon2id; bcrypt is the ordinary pool's. Every pool entry is checked to
 * verify with its password through src/passwords before it is used, so a file
 * never carries a hash that only looks right.
 */

/** The project's "Password hash parameters" (the signer key is firebase/scrypt's published example). */
export const FIREBASE_HASH_CONFIG = {
  algorithm: 'SCRYPT',
  base64_signer_key: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  base64_salt_separator: 'Bw==',
  rounds: 8,
  mem_cost: 14,
} as const;

interface FirebaseHash {
  readonly plain: string;
  readonly passwordHash: string;
  readonly salt: string;
}
interface KeycloakCredential {
  readonly plain: string;
  readonly secretData: string;
  readonly credentialData: string;
}
interface FormatPool {
  readonly version: number;
  readonly firebase: FirebaseHash[];
  readonly keycloak: KeycloakCredential[];
  /** Clerk's argon2id digests (PHC strings). */
  readonly argon2id: { plain: string; digest: string }[];
}

const POOL_FILE = path.join(DATA_DIR, 'format-hash-pool.json');
const POOL_VERSION = 1;

function firebaseHash(plain: string): FirebaseHash {
  const salt = randomBytes(12);
  const c = FIREBASE_HASH_CONFIG;
  const key = scryptSync(Buffer.from(plain, 'utf8'), Buffer.concat([salt, Buffer.from(c.base64_salt_separator, 'base64')]), 64, {
    N: 2 ** c.mem_cost,
    r: c.rounds,
    p: 1,
    maxmem: 64 * 1024 * 1024,
  });
  const cipher = createCipheriv('aes-256-ctr', key.subarray(0, 32), Buffer.alloc(16));
  const hash = Buffer.concat([cipher.update(Buffer.from(c.base64_signer_key, 'base64')), cipher.final()]);
  return { plain, passwordHash: hash.toString('base64'), salt: salt.toString('base64') };
}

/** Keycloak's PBKDF2 credentials (27,500 iterations: Keycloak's default before 24; 64-byte keys). */
function keycloakPbkdf2(plain: string, algorithm: 'pbkdf2-sha256' | 'pbkdf2-sha512', iterations: number): KeycloakCredential {
  const salt = randomBytes(16);
  const value = pbkdf2Sync(plain, salt, iterations, 64, algorithm === 'pbkdf2-sha256' ? 'sha256' : 'sha512');
  return {
    plain,
    secretData: JSON.stringify({ value: value.toString('base64'), salt: salt.toString('base64'), additionalParameters: {} }),
    credentialData: JSON.stringify({ hashIterations: iterations, algorithm, additionalParameters: {} }),
  };
}

/** Keycloak 24+'s default: argon2id, 7,168 KiB, 5 iterations, parallelism 1, 32-byte hash. */
function keycloakArgon2(plain: string): KeycloakCredential {
  const salt = randomBytes(16);
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- const enums cannot be imported under isolatedModules; 2 is Argon2id
  const value = hashRawSync(plain, { salt, memoryCost: 7168, timeCost: 5, parallelism: 1, outputLen: 32, algorithm: 2 /* Argon2id */ });
  return {
    plain,
    secretData: JSON.stringify({ value: value.toString('base64'), salt: salt.toString('base64'), additionalParameters: {} }),
    credentialData: JSON.stringify({
      hashIterations: 5,
      algorithm: 'argon2',
      additionalParameters: { hashLength: ['32'], memory: ['7168'], type: ['id'], version: ['1.3'], parallelism: ['1'] },
    }),
  };
}

/** Throws unless `input` is accepted by src/passwords and verifies with `plain`. */
function mustVerify(what: string, input: StoredPasswordInput, plain: string): void {
  const parsed = parseStoredPassword(input);
  if (!parsed.ok) throw new Error(`bench format pool: a ${what} hash is refused: ${parsed.reason}`);
  if (!verifyPasswordSync(parsed.password, plain)) throw new Error(`bench format pool: a ${what} hash does not verify`);
}

export function formatHashPool(): FormatPool {
  try {
    const cached = JSON.parse(fs.readFileSync(POOL_FILE, 'utf8')) as FormatPool;
    if (cached.version === POOL_VERSION) return cached;
  } catch {
    // not made yet
  }
  const r = rng(20261201, 0xf0f0);
  const plain = (k: number) => `bench-format-pass-${k}-${Math.floor(r() * 1e9).toString(36)}`;
  const pool: FormatPool = {
    version: POOL_VERSION,
    firebase: Array.from({ length: 8 }, (_, k) => firebaseHash(plain(k))),
    keycloak: [
      ...Array.from({ length: 4 }, (_, k) => keycloakPbkdf2(plain(100 + k), 'pbkdf2-sha256', 27_500)),
      ...Array.from({ length: 2 }, (_, k) => keycloakPbkdf2(plain(200 + k), 'pbkdf2-sha512', 27_500)),
      ...Array.from({ length: 2 }, (_, k) => keycloakArgon2(plain(300 + k))),
    ],
    argon2id: Array.from({ length: 4 }, (_, k) => {
      const p = plain(400 + k);
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- const enums cannot be imported under isolatedModules; 2 is Argon2id
      return { plain: p, digest: argon2HashSync(p, { memoryCost: 19_456, timeCost: 2, parallelism: 1, algorithm: 2 }) };
    }),
  };
  // Checked once, when made: each kind through the verifier sign-in uses.
  const fb = pool.firebase[0]!;
  mustVerify(
    'Firebase scrypt',
    {
      hashed_password: fb.passwordHash,
      hashing_method: 'firebase_scrypt',
      salt: fb.salt,
      params: {
        signer_key: FIREBASE_HASH_CONFIG.base64_signer_key,
        salt_separator: FIREBASE_HASH_CONFIG.base64_salt_separator,
        rounds: FIREBASE_HASH_CONFIG.rounds,
        mem_cost: FIREBASE_HASH_CONFIG.mem_cost,
      },
    },
    fb.plain,
  );
  for (const c of pool.keycloak) mustVerify('Keycloak', keycloakAsInput(c), c.plain);
  mustVerify('argon2id', { hashed_password: pool.argon2id[0]!.digest, hashing_method: 'argon2' }, pool.argon2id[0]!.plain);
  fs.mkdirSync(DATA_DIR, { recursive: true });
  fs.writeFileSync(POOL_FILE, JSON.stringify(pool, null, 1), { mode: 0o600 });
  return pool;
}

/** The credential as the Keycloak reader stores it (passlib / PHC form), for the pool's self-check. */
function keycloakAsInput(c: KeycloakCredential): StoredPasswordInput {
  const secret = JSON.parse(c.secretData) as { value: string; salt: string };
  const data = JSON.parse(c.credentialData) as { hashIterations: number; algorithm: string };
  const ab64 = (b: string) => b.replace(/\+/g, '.').replace(/=+$/, '');
  const phc64 = (b: string) => b.replace(/=+$/, '');
  if (data.algorithm === 'argon2') {
    return { hashed_password: `$argon2id$v=19$m=7168,t=${data.hashIterations},p=1$${phc64(secret.salt)}$${phc64(secret.value)}`, hashing_method: 'argon2' };
  }
  return { hashed_password: `$${data.algorithm}$${data.hashIterations}$${ab64(secret.salt)}$${ab64(secret.value)}`, hashing_method: 'pbkdf2' };
}

// ---------------------------------------------------------------------------
// One user in each provider's shape

const uuid = (prefix: string, i: number) => `${prefix}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const csvCell = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? '' : /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const csvRow = (cells: readonly (string | null | undefined)[]) => cells.map(csvCell).join(',');
/** The pool entry a user draws (the ordinary data set's roll decides whether the user has a password at all). */
const nth = <T>(xs: readonly T[], u: BenchUser) => xs[u.index % xs.length]!;
const millis = (iso: string) => String(Date.parse(iso));
const pgTime = (iso: string) => `${iso.replace('T', ' ').replace('Z', '')}+00`;

function firebaseUser(u: BenchUser, pool: FormatPool): string {
  const hash = u.password ? nth(pool.firebase, u) : null;
  const name = `${u.firstName} ${u.lastName}`;
  return JSON.stringify({
    localId: `fb${u.index.toString(36).padStart(8, '0')}Q7mZ2wKd`,
    ...(u.email !== null ? { email: u.email, emailVerified: u.emailVerified } : {}),
    ...(hash ? { passwordHash: hash.passwordHash, salt: hash.salt } : {}),
    displayName: name,
    ...(u.index % 5 === 0 ? { photoUrl: `https://lh3.example.com/a/${u.index}.png` } : {}),
    ...(u.phone !== null ? { phoneNumber: u.phone } : {}),
    ...(u.index % 97 === 0 ? { disabled: true } : {}),
    createdAt: millis(u.createdAt),
    lastSignedInAt: millis(u.createdAt),
    ...(u.orgs.length > 0 ? { customAttributes: JSON.stringify({ tenant: u.orgs[0]!.externalId }) } : {}),
    providerUserInfo: [
      ...(hash && u.email !== null ? [{ providerId: 'password', rawId: u.email, email: u.email, displayName: name }] : []),
      ...(u.social ? [{ providerId: 'google.com', rawId: String(104_000_000_000 + u.index), email: u.email ?? undefined, displayName: name }] : []),
      ...(u.phone !== null ? [{ providerId: 'phone', rawId: u.phone, phoneNumber: u.phone }] : []),
    ],
  });
}

function keycloakUser(u: BenchUser, pool: FormatPool): string {
  const cred = u.password ? nth(pool.keycloak, u) : null;
  const created = Date.parse(u.createdAt);
  return JSON.stringify({
    id: uuid('6b0c1d2e', u.index),
    createdTimestamp: created,
    username: (u.username ?? u.email ?? `user-${u.index}`).toLowerCase(),
    enabled: u.index % 97 !== 0,
    totp: false,
    emailVerified: u.emailVerified,
    firstName: u.firstName,
    lastName: u.lastName,
    ...(u.email !== null ? { email: u.email } : {}),
    ...(u.phone !== null ? { attributes: { phoneNumber: [u.phone], locale: ['en'] } } : {}),
    credentials: cred ? [{ id: uuid('c0a1b2c3', u.index), type: 'password', userLabel: 'My password', createdDate: created, secretData: cred.secretData, credentialData: cred.credentialData }] : [],
    ...(u.social ? { federatedIdentities: [{ identityProvider: 'google', userId: String(104_000_000_000 + u.index), userName: u.email ?? `user-${u.index}` }] } : {}),
    disableableCredentialTypes: [],
    requiredActions: u.index % 50 === 3 ? ['UPDATE_PASSWORD'] : u.emailVerified ? [] : ['VERIFY_EMAIL'],
    realmRoles: ['default-roles-bench', ...(u.orgs[0]?.roles ?? [])],
    clientRoles: { account: ['manage-account', 'view-profile'] },
    notBefore: 0,
    groups: u.orgs.map((o) => `/${o.externalId}`),
  });
}

export const SUPABASE_HEADER =
  'instance_id,id,aud,role,email,encrypted_password,email_confirmed_at,invited_at,confirmation_token,confirmation_sent_at,recovery_token,recovery_sent_at,email_change_token_new,email_change,email_change_sent_at,last_sign_in_at,raw_app_meta_data,raw_user_meta_data,is_super_admin,created_at,updated_at,phone,phone_confirmed_at,phone_change,phone_change_token,phone_change_sent_at,confirmed_at,email_change_token_current,email_change_confirm_status,banned_until,reauthentication_token,reauthentication_sent_at,is_sso_user,deleted_at,is_anonymous';

function supabaseRow(u: BenchUser, bcrypt: readonly PoolHash[]): string {
  if (u.invalid === 'malformed') return `00000000-0000-0000-0000-000000000000,${uuid('3f1c2a7e', u.index)},authenticated`;
  // GoTrue (Go's bcrypt) writes $2a$.
  const hash = u.password ? nth(bcrypt, u).hashed_password.replace(/^\$2[by]\$/, '$2a$') : null;
  const t = pgTime(u.createdAt);
  const provider = u.social ? 'google' : 'email';
  const meta =
    u.index % 2 === 0
      ? { full_name: `${u.firstName} ${u.lastName}`, ...(u.social ? { avatar_url: `https://lh3.example.com/a/${u.index}.png`, email_verified: true } : {}) }
      : { first_name: u.firstName, last_name: u.lastName };
  return csvRow([
    '00000000-0000-0000-0000-000000000000',
    uuid('3f1c2a7e', u.index),
    'authenticated',
    'authenticated',
    u.email,
    hash,
    u.emailVerified ? t : '',
    '',
    '',
    t,
    '',
    '',
    '',
    '',
    '',
    t,
    JSON.stringify({ provider, providers: [provider] }),
    JSON.stringify(meta),
    '',
    t,
    t,
    u.phone?.replace(/^\+/, ''),
    u.phone !== null && u.index % 3 === 0 ? t : '',
    '',
    '',
    '',
    u.emailVerified ? t : '',
    '',
    '0',
    '',
    '',
    '',
    'false',
    '',
    'false',
  ]);
}

export const CLERK_HEADER =
  'id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher';

function clerkRow(u: BenchUser, bcrypt: readonly PoolHash[], pool: FormatPool): string {
  if (u.invalid === 'malformed') return `user_2${u.index.toString(36).padStart(26, 'x')},${u.firstName}`;
  const argon = u.password !== null && u.index % 5 === 0;
  const digest = u.password ? (argon ? nth(pool.argon2id, u).digest : nth(bcrypt, u).hashed_password) : '';
  return csvRow([
    `user_2${u.index.toString(36).padStart(26, 'x')}`,
    u.firstName,
    u.lastName,
    u.username,
    u.email,
    u.phone,
    u.emailVerified ? u.email : '',
    u.emailVerified ? '' : u.email,
    u.phone !== null && u.index % 3 === 0 ? u.phone : '',
    u.phone !== null && u.index % 3 !== 0 ? u.phone : '',
    u.index % 20 === 0 ? 'JBSWY3DPEHPK3PXP' : '',
    digest,
    u.password ? (argon ? 'argon2id' : 'bcrypt') : '',
  ]);
}

export const COGNITO_HEADER =
  'cognito:username,name,given_name,family_name,middle_name,nickname,preferred_username,profile,picture,website,email,email_verified,gender,birthdate,zoneinfo,locale,phone_number,phone_number_verified,address,updated_at,cognito:mfa_enabled,sub,custom:tenant';

function cognitoRow(u: BenchUser): string {
  if (u.invalid === 'malformed') return `${uuid('0b6a2c1e', u.index)},${u.firstName}`;
  const sub = uuid('0b6a2c1e', u.index);
  return csvRow([
    u.username ?? sub,
    `${u.firstName} ${u.lastName}`,
    u.firstName,
    u.lastName,
    '',
    '',
    u.username ?? '',
    '',
    '',
    '',
    u.email,
    u.emailVerified ? 'true' : 'false',
    '',
    '',
    '',
    u.index % 4 === 0 ? 'en-GB' : '',
    u.phone,
    u.phone !== null && u.index % 3 === 0 ? 'true' : 'false',
    '',
    String(Math.floor(Date.parse(u.createdAt) / 1000)),
    'false',
    sub,
    u.orgs[0]?.externalId ?? '',
  ]);
}

// ---------------------------------------------------------------------------
// Files

export interface FormatFiles {
  readonly users: number;
  readonly dir: string;
  readonly firebase: string;
  readonly keycloak: string;
  readonly supabase: string;
  readonly clerk: string;
  readonly cognito: string;
}

/** Streams `n` records, comma-separated, between `head` and `tail` (a JSON document) or one per line (CSV). */
async function writeRecords(file: string, head: string, n: number, record: (i: number) => string, sep: string, tail: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const out = fs.createWriteStream(tmp, { highWaterMark: 1 << 20 });
  out.write(head);
  const chunk: string[] = [];
  for (let i = 0; i < n; i++) {
    chunk.push(record(i));
    if (chunk.length >= 2000 || i === n - 1) {
      if (!out.write(chunk.join(sep) + (i === n - 1 ? '' : sep))) await once(out, 'drain');
      chunk.length = 0;
    }
  }
  out.write(tail);
  out.end();
  await once(out, 'finish');
  fs.renameSync(tmp, file);
}

function keycloakRealmHead(): string {
  const roles = ['admin', 'manager', 'member', 'viewer', 'billing', 'support', 'offline_access', 'uma_authorization'];
  const realm = {
    id: '5b7e8d52-1c7a-4b1e-9d7e-2f0b5c1a9e11',
    realm: 'bench',
    enabled: true,
    sslRequired: 'external',
    roles: { realm: roles.map((name, k) => ({ id: `r${k}`, name, composite: false, clientRole: false, containerId: 'bench' })), client: {} },
    groups: Array.from({ length: 200 }, (_, o) => ({ id: `g${o}`, name: `org_${o}`, path: `/org_${o}`, subGroups: [] })),
    defaultRole: { id: 'r-default', name: 'default-roles-bench', composite: true, clientRole: false, containerId: 'bench' },
  };
  const json = JSON.stringify(realm);
  return `${json.slice(0, -1)},"users":[\n`;
}

/** Generates (or reuses) the provider files for the data set's first `users` users. */
export async function ensureFormatFiles(users: number, seed: number, pool: readonly PoolHash[], log: (s: string) => void = () => {}): Promise<FormatFiles> {
  const dir = path.join(DATA_DIR, `${seed}-${users}-formats`);
  const files: FormatFiles = {
    users,
    dir,
    firebase: path.join(dir, 'firebase-users.json'),
    keycloak: path.join(dir, 'keycloak-realm.json'),
    supabase: path.join(dir, 'supabase-users.csv'),
    clerk: path.join(dir, 'clerk-users.csv'),
    cognito: path.join(dir, 'cognito-users.csv'),
  };
  const marker = path.join(dir, 'complete');
  if (fs.existsSync(marker)) return files;
  fs.mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const fp = formatHashPool();
  const bcrypt = pool.filter((p) => p.method === 'bcrypt');
  // A JSON document has no per-record "malformed": that user is written whole (a broken document is a file error).
  const at = (i: number) => userAt(seed, i, pool);
  const whole = (i: number) => {
    const u = at(i);
    return u.invalid === 'malformed' ? { ...u, invalid: null } : u;
  };
  await writeRecords(files.firebase, '{"users": [\n', users, (i) => firebaseUser(whole(i), fp), ',\n', '\n]}\n');
  await writeRecords(files.keycloak, keycloakRealmHead(), users, (i) => keycloakUser(whole(i), fp), ',\n', '\n]}\n');
  await writeRecords(files.supabase, `${SUPABASE_HEADER}\n`, users, (i) => supabaseRow(at(i), bcrypt), '\n', '\n');
  await writeRecords(files.clerk, `${CLERK_HEADER}\n`, users, (i) => clerkRow(at(i), bcrypt, fp), '\n', '\n');
  await writeRecords(files.cognito, `${COGNITO_HEADER}\n`, users, (i) => cognitoRow(at(i)), '\n', '\n');
  fs.writeFileSync(marker, new Date().toISOString());
  log(`generated ${users} users in 5 provider formats into ${path.relative(process.cwd(), dir)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return files;
}
