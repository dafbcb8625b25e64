import { createCipheriv, scryptSync } from 'node:crypto';
import { decodeBase64 } from './base64';
import { constantTimeEqual, utf8Bytes } from './constant-time';
import { FAMILY_OK, reject, type FamilyCheck, type PasswordLimits, type PasswordParams } from './types';

/**
 * scrypt, in three forms:
 * - PHC / passlib `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<key>` (unpadded base64)
 * - Django `scrypt$<salt>$<N>$<r>$<p>$<base64 key>` (salt used as its text)
 * - separate fields: base64 key in the hash, base64 salt in `salt`, and params
 *   `n`, `r`, `p`, optional `key_length` (must equal the key's length)
 * and Firebase's modified scrypt (firebase/scrypt, scryptenc_buf_saltlen): the
 * 64-byte scrypt key of the password with salt‖separator, N = 2^mem_cost,
 * r = rounds, p = 1; its first 32 bytes are an AES-256-CTR key (zero IV) that
 * encrypts the project's signer key; the result is the stored hash.
 */
export interface ScryptCost {
  readonly n: number;
  readonly r: number;
  readonly p: number;
}

interface ScryptHash extends ScryptCost {
  readonly salt: Buffer;
  readonly key: Buffer;
}

const MIN_KEY_BYTES = 16;
const MAX_KEY_BYTES = 128;
const MAX_SALT_BYTES = 1024;
const PHC = /^\$scrypt\$ln=([1-9][0-9]?),r=([1-9][0-9]{0,3}),p=([1-9][0-9]{0,3})\$([A-Za-z0-9+/]*)\$([A-Za-z0-9+/]+)$/;
const DJANGO = /^scrypt\$([^$]{1,128})\$([1-9][0-9]{0,9})\$([1-9][0-9]{0,3})\$([1-9][0-9]{0,3})\$([A-Za-z0-9+/]+={0,2})$/;

/** An integer param, given as a number or a decimal string; null if absent or not one. */
function intParam(params: PasswordParams | undefined, name: string): number | null | undefined {
  const value = params?.[name];
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : /^[0-9]{1,12}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function parseScrypt(hash: string, salt: string | undefined, params: PasswordParams | undefined): ScryptHash | string {
  const phc = PHC.exec(hash);
  if (phc) {
    const s = decodeBase64(phc[4]!);
    const key = decodeBase64(phc[5]!);
    if (s === null || key === null) return 'the PHC salt and key must be unpadded base64';
    return { n: 2 ** Number(phc[1]), r: Number(phc[2]), p: Number(phc[3]), salt: s, key };
  }
  const django = DJANGO.exec(hash);
  if (django) {
    const key = decodeBase64(django[5]!);
    if (key === null) return 'the Django scrypt key must be base64';
    return { n: Number(django[2]), r: Number(django[3]), p: Number(django[4]), salt: utf8Bytes(django[1]!), key };
  }
  if (hash.startsWith('$') || hash.includes('$')) return 'not a scrypt hash ($scrypt$ln=…,r=…,p=…$salt$key, Django scrypt$…, or base64 with n, r, p)';
  const key = decodeBase64(hash);
  if (key === null) return 'a scrypt hash given with separate parameters must be base64';
  const s = salt === undefined ? Buffer.alloc(0) : decodeBase64(salt);
  if (s === null) return 'the scrypt salt must be base64';
  const n = intParam(params, 'n');
  const r = intParam(params, 'r');
  const p = intParam(params, 'p');
  const keyLength = intParam(params, 'key_length');
  if (n == null || r == null || p == null) return 'scrypt params n, r and p are required integers';
  if (keyLength === null || (keyLength !== undefined && keyLength !== key.length)) return 'scrypt key_length must equal the decoded hash length';
  return { n, r, p, salt: s, key };
}

function checkCost(cost: ScryptCost, limits: PasswordLimits, what: string): FamilyCheck {
  const { n, r, p } = cost;
  if (n < 2 || !Number.isInteger(Math.log2(n)) || r < 1 || p < 1) {
    return reject('HASH_MALFORMED', `${what}: N must be a power of two ≥ 2, r and p ≥ 1`);
  }
  const memory = 128 * n * r;
  if (memory > limits.maxScryptMemoryBytes) {
    return reject('WORK_FACTOR_OUT_OF_BOUNDS', `${what}: memory 128·N·r = ${memory} bytes exceeds the accepted maximum ${limits.maxScryptMemoryBytes}`);
  }
  if (n * r * p > limits.maxScryptWork) {
    return reject('WORK_FACTOR_OUT_OF_BOUNDS', `${what}: N·r·p = ${n * r * p} exceeds the accepted maximum ${limits.maxScryptWork}`);
  }
  return FAMILY_OK;
}

export function checkScrypt(hash: string, salt: string | undefined, params: PasswordParams | undefined, limits: PasswordLimits): FamilyCheck {
  const parsed = parseScrypt(hash, salt, params);
  if (typeof parsed === 'string') return reject('HASH_MALFORMED', parsed);
  if (parsed.key.length < MIN_KEY_BYTES || parsed.key.length > MAX_KEY_BYTES) {
    return reject('HASH_MALFORMED', `a scrypt key must be ${MIN_KEY_BYTES}-${MAX_KEY_BYTES} bytes`);
  }
  if (parsed.salt.length > MAX_SALT_BYTES) return reject('SALT_INVALID', `a scrypt salt must be at most ${MAX_SALT_BYTES} bytes`);
  return checkCost(parsed, limits, 'scrypt');
}

/** N, r, p of a hash that passed checkScrypt (for the upgrade policy), else null. */
export function scryptCost(hash: string, salt: string | undefined, params: PasswordParams | undefined): ScryptCost | null {
  const parsed = parseScrypt(hash, salt, params);
  return typeof parsed === 'string' ? null : { n: parsed.n, r: parsed.r, p: parsed.p };
}

function derive(password: Buffer, salt: Buffer, cost: ScryptCost, length: number): Buffer {
  // maxmem: node refuses above 32 MiB by default; the bounds were checked at parse time.
  return scryptSync(password, salt, length, { N: cost.n, r: cost.r, p: cost.p, maxmem: 128 * cost.n * cost.r * 2 + 1024 * 1024 });
}

export function verifyScrypt(hash: string, salt: string | undefined, params: PasswordParams | undefined, plain: string): boolean {
  const parsed = parseScrypt(hash, salt, params);
  if (typeof parsed === 'string') return false;
  return constantTimeEqual(derive(utf8Bytes(plain), parsed.salt, parsed, parsed.key.length), parsed.key);
}

// ---- Firebase ------------------------------------------------------------------

interface FirebaseHash {
  readonly key: Buffer;
  readonly salt: Buffer;
  readonly signerKey: Buffer;
  readonly separator: Buffer;
  readonly rounds: number;
  readonly memCost: number;
}

function parseFirebase(hash: string, salt: string | undefined, params: PasswordParams | undefined): FirebaseHash | string {
  const key = decodeBase64(hash);
  if (key === null || key.length === 0) return 'a Firebase scrypt hash must be base64 (passwordHash)';
  const s = salt === undefined ? null : decodeBase64(salt);
  if (s === null) return 'a Firebase scrypt hash needs its base64 salt (salt)';
  const signer = params?.['signer_key'];
  const separator = params?.['salt_separator'] ?? '';
  const signerKey = typeof signer === 'string' ? decodeBase64(signer) : null;
  const sep = typeof separator === 'string' ? decodeBase64(separator) : null;
  if (signerKey === null || signerKey.length === 0) return "Firebase scrypt needs the project's base64 signer_key";
  if (sep === null) return 'Firebase salt_separator must be base64';
  if (signerKey.length !== key.length) return "a Firebase scrypt hash is as long as the project's signer key";
  const rounds = intParam(params, 'rounds');
  const memCost = intParam(params, 'mem_cost');
  if (rounds == null || memCost == null || rounds < 1 || memCost < 1 || memCost > 30) {
    return 'Firebase scrypt needs integer rounds ≥ 1 and mem_cost 1-30';
  }
  return { key, salt: s, signerKey, separator: sep, rounds, memCost };
}

export function checkFirebaseScrypt(hash: string, salt: string | undefined, params: PasswordParams | undefined, limits: PasswordLimits): FamilyCheck {
  const parsed = parseFirebase(hash, salt, params);
  if (typeof parsed === 'string') return reject('HASH_MALFORMED', parsed);
  if (parsed.key.length > MAX_KEY_BYTES || parsed.salt.length > MAX_SALT_BYTES) return reject('HASH_MALFORMED', 'Firebase hash or salt too long');
  return checkCost(firebaseCostOf(parsed), limits, 'Firebase scrypt');
}

function firebaseCostOf(parsed: FirebaseHash): ScryptCost {
  return { n: 2 ** parsed.memCost, r: parsed.rounds, p: 1 };
}

export function firebaseScryptCost(hash: string, salt: string | undefined, params: PasswordParams | undefined): ScryptCost | null {
  const parsed = parseFirebase(hash, salt, params);
  return typeof parsed === 'string' ? null : firebaseCostOf(parsed);
}

export function verifyFirebaseScrypt(hash: string, salt: string | undefined, params: PasswordParams | undefined, plain: string): boolean {
  const parsed = parseFirebase(hash, salt, params);
  if (typeof parsed === 'string') return false;
  const derived = derive(utf8Bytes(plain), Buffer.concat([parsed.salt, parsed.separator]), firebaseCostOf(parsed), 64);
  const cipher = createCipheriv('aes-256-ctr', derived.subarray(0, 32), Buffer.alloc(16));
  const candidate = Buffer.concat([cipher.update(parsed.signerKey), cipher.final()]);
  return constantTimeEqual(candidate, parsed.key);
}

/** The params kept with a stored scrypt/Firebase hash: known keys only, numbers as numbers. */
export function normaliseParams(method: 'scrypt' | 'firebase_scrypt', params: PasswordParams | undefined): PasswordParams | undefined {
  if (params === undefined) return undefined;
  const numeric = method === 'scrypt' ? ['key_length', 'n', 'p', 'r'] : ['mem_cost', 'rounds'];
  const text = method === 'scrypt' ? [] : ['salt_separator', 'signer_key'];
  const out: Record<string, string | number> = {};
  for (const name of [...numeric, ...text].sort()) {
    const value = params[name];
    if (value === undefined || value === '') continue;
    out[name] = numeric.includes(name) ? Number(typeof value === 'string' ? value.trim() : value) : String(value);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
