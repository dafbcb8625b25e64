import { z } from 'zod';
import { newDraft, type RowDraft } from './assemble';
import type { CsvDialect } from './csv-dialect';
import { addEmail, addIdentity, addPhone, looseBoolean, requireIdentity, splitFullName, str, suspendAtSource } from './draft-helpers';
import { describeZodError } from './kinde-ndjson';
import { checkPasswordFields, type PasswordHashCheck } from './password-fields';
import type { ImportIdentity, RawRow } from './types';

/**
 * Firebase Authentication exports (`firebase auth:export users.json|users.csv`).
 * Passwords are Firebase's modified scrypt: per-user base64 `passwordHash` and
 * `salt`, plus the project's hash parameters, which the export does not contain —
 * they come from the console ("Password hash parameters") as query parameters,
 * CLI flags or the `hash_config` JSON the console prints.
 */

/** The console's `hash_config` block (names as Firebase prints them). */
export const FirebaseHashConfigSchema = z
  .object({
    algorithm: z.string().optional(),
    base64_signer_key: z.string().min(1).max(1024),
    base64_salt_separator: z.string().max(1024).default(''),
    rounds: z.coerce.number().int().min(1).max(64),
    mem_cost: z.coerce.number().int().min(1).max(32),
  })
  .strip();
export type FirebaseHashConfig = z.infer<typeof FirebaseHashConfigSchema>;

/** Reads the console's text (`hash_config { algorithm: SCRYPT, … }`) or plain JSON. */
export function parseFirebaseHashConfig(text: string): { ok: true; config: FirebaseHashConfig } | { ok: false; reason: string } {
  let value: unknown;
  const t = text.trim();
  try {
    value = JSON.parse(t);
  } catch {
    // The console prints `hash_config { key: value, … }`: unquoted keys and values.
    const body = /\{([\s\S]*)\}/.exec(t)?.[1];
    if (body === undefined) return { ok: false, reason: "the hash parameters are neither JSON nor the console's hash_config block" };
    const obj: Record<string, string> = {};
    for (const part of body.split(/[,\n]/)) {
      const m = /^\s*"?([a-z0-9_]+)"?\s*:\s*"?([^"]*?)"?\s*$/i.exec(part);
      if (m && !['__proto__', 'constructor', 'prototype'].includes(m[1]!)) obj[m[1]!] = m[2]!;
    }
    value = obj;
  }
  if (value && typeof value === 'object' && 'hash_config' in value) value = value.hash_config;
  const parsed = FirebaseHashConfigSchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: `the hash parameters are incomplete: ${describeZodError(parsed.error).replace('The line does not match the schema: ', '')}` };
  if (parsed.data.algorithm && parsed.data.algorithm.toUpperCase() !== 'SCRYPT') {
    return { ok: false, reason: `hash algorithm ${parsed.data.algorithm.slice(0, 20)} is not supported for Firebase (only the default SCRYPT)` };
  }
  return { ok: true, config: parsed.data };
}

/** One user of `{"users":[…]}` (fields the export writes; others are stripped). */
export const FirebaseUserSchema = z.object({
  localId: z.string().min(1),
  email: z.string().nullish(),
  emailVerified: z.boolean().nullish(),
  passwordHash: z.string().nullish(),
  salt: z.string().nullish(),
  displayName: z.string().nullish(),
  photoUrl: z.string().nullish(),
  phoneNumber: z.string().nullish(),
  disabled: z.boolean().nullish(),
  createdAt: z.union([z.string(), z.number()]).nullish(),
  lastSignedInAt: z.union([z.string(), z.number()]).nullish(),
  customAttributes: z.string().nullish(),
  providerUserInfo: z
    .array(
      z.object({
        providerId: z.string(),
        rawId: z.string().nullish(),
        email: z.string().nullish(),
        displayName: z.string().nullish(),
        photoUrl: z.string().nullish(),
      }),
    )
    .nullish(),
});

/** Firebase provider ids → Roster social identity types (password/phone become email/phone identities). */
const PROVIDERS: Readonly<Record<string, ImportIdentity['type']>> = {
  'google.com': 'oauth2:google',
  'facebook.com': 'oauth2:facebook',
  'twitter.com': 'oauth2:twitter',
  'github.com': 'oauth2:github',
  'apple.com': 'oauth2:apple',
  'microsoft.com': 'oauth2:microsoft',
};

function addFirebasePassword(d: RowDraft, hash: string | undefined, salt: string | undefined, config: FirebaseHashConfig | undefined, field: string, checkHash: PasswordHashCheck | undefined): void {
  if (!hash) return;
  if (!config) {
    d.warnings.push({
      code: 'PASSWORD_NOT_IMPORTED',
      field,
      message:
        "Password not imported: the Firebase project's hash parameters were not given (base64_signer_key, base64_salt_separator, rounds, mem_cost). The user is imported and must reset their password; import again with the parameters to add it.",
    });
    return;
  }
  const pw = checkPasswordFields(
    {
      hashedPassword: hash,
      hashingMethod: 'firebase_scrypt',
      salt: salt ?? '',
      params: {
        signer_key: config.base64_signer_key,
        salt_separator: config.base64_salt_separator,
        rounds: config.rounds,
        mem_cost: config.mem_cost,
      },
    },
    checkHash,
  );
  if (pw.kind === 'ok') d.password = pw.password;
  else if (pw.kind === 'not_imported') {
    d.warnings.push({ code: 'PASSWORD_NOT_IMPORTED', field, message: `Password not imported: ${pw.reason}. The user is imported and must reset their password.` });
  }
}

export function mapFirebaseUser(value: unknown, line: number, raw: RawRow, config: FirebaseHashConfig | undefined, checkHash: PasswordHashCheck | undefined): RowDraft {
  const d = newDraft('user', line, raw);
  const parsed = FirebaseUserSchema.safeParse(value);
  if (!parsed.success) {
    d.errors.push({ code: 'MALFORMED_JSON', field: parsed.error.issues[0]?.path.map(String).join('.') || null, message: describeZodError(parsed.error) });
    return d;
  }
  const u = parsed.data;
  d.providedId = u.localId.trim();
  addEmail(d, u.email, 'email', u.emailVerified ?? undefined);
  addPhone(d, u.phoneNumber, 'phoneNumber');
  for (const p of u.providerUserInfo ?? []) {
    const type = Object.hasOwn(PROVIDERS, p.providerId) ? PROVIDERS[p.providerId] : undefined;
    if (type && p.rawId) addIdentity(d, { type, identity: p.rawId.trim(), display: p.rawId.trim(), provider: p.providerId });
  }
  splitFullName(d, u.displayName);
  if (u.photoUrl) d.picture = u.photoUrl;
  addFirebasePassword(d, str(u.passwordHash), str(u.salt), config, 'passwordHash', checkHash);
  if (u.disabled === true) suspendAtSource(d, 'disabled', 'disabled in Firebase');
  requireIdentity(d, 'email', 'no email, phone number or supported sign-in provider');
  return d;
}

/** The CSV's columns, in the documented order (the file has no header line). */
export const FIREBASE_CSV_COLUMNS = [
  'UID',
  'Email',
  'Email Verified',
  'Password Hash',
  'Password Salt',
  'Name',
  'Photo URL',
  'Google ID',
  'Google Email',
  'Google Display Name',
  'Google Photo URL',
  'Facebook ID',
  'Facebook Email',
  'Facebook Display Name',
  'Facebook Photo URL',
  'Twitter ID',
  'Twitter Email',
  'Twitter Display Name',
  'Twitter Photo URL',
  'GitHub ID',
  'GitHub Email',
  'GitHub Display Name',
  'GitHub Photo URL',
  'User Creation Time',
  'Last Sign-In Time',
  'Phone Number',
] as const;
/** Older exports stop after the GitHub columns. */
const MIN_FIELDS = 23;

/** Whether a header-less first record looks like a Firebase CSV row (or is the header a failed-rows file adds). */
export function looksLikeFirebaseCsv(first: readonly string[]): boolean {
  if (isFirebaseHeader(first)) return true;
  if (first.length < MIN_FIELDS || first.length > FIREBASE_CSV_COLUMNS.length) return false;
  return first[0]!.trim() !== '' && ((first[2] ?? '').trim() === '' || looseBoolean(first[2]) !== undefined);
}

function isFirebaseHeader(first: readonly string[]): boolean {
  return first[0]?.trim().toLowerCase() === 'uid' && first[1]?.trim().toLowerCase() === 'email';
}

export function firebaseCsvDialect(first: readonly string[], config: FirebaseHashConfig | undefined): CsvDialect {
  // A failed-rows file written by Roster starts with the documented names (plus error_code, error_message).
  const named = isFirebaseHeader(first);
  return {
    format: 'firebase',
    columns: FIREBASE_CSV_COLUMNS,
    kind: 'users',
    errors: [],
    warnings: [],
    firstRecordIsData: !named,
    width: [MIN_FIELDS, named ? Math.max(first.length, FIREBASE_CSV_COLUMNS.length) : FIREBASE_CSV_COLUMNS.length],
    columnName: (i) => FIREBASE_CSV_COLUMNS[i] ?? `column ${i + 1}`,
    mapRow(line, raw, f, checkHash) {
      const d = newDraft('user', line, raw);
      const at = (i: number) => (f[i] ?? '').trim();
      if (at(0) === '') d.errors.push({ code: 'MISSING_IDENTITY', field: 'UID', message: 'The row has no UID (column 1).' });
      else d.providedId = at(0);
      const verified = looseBoolean(at(2));
      if (at(2) !== '' && verified === undefined) d.errors.push({ code: 'INVALID_FIELD', field: 'Email Verified', message: 'Email Verified must be true or false.' });
      addEmail(d, at(1), 'Email', verified);
      addPhone(d, at(25), 'Phone Number');
      const socials: [number, ImportIdentity['type'], string][] = [
        [7, 'oauth2:google', 'google.com'],
        [11, 'oauth2:facebook', 'facebook.com'],
        [15, 'oauth2:twitter', 'twitter.com'],
        [19, 'oauth2:github', 'github.com'],
      ];
      for (const [i, type, provider] of socials) if (at(i) !== '') addIdentity(d, { type, identity: at(i), display: at(i), provider });
      splitFullName(d, at(5));
      if (at(6) !== '') d.picture = at(6);
      addFirebasePassword(d, at(3) || undefined, at(4) || undefined, config, 'Password Hash', checkHash);
      requireIdentity(d, 'Email', 'no Email, Phone Number or social ID');
      return d;
    },
  };
}
