import { z } from 'zod';
import { newDraft, type RowDraft } from './assemble';
import { checkEmail, checkPhone, checkUsername } from './fields';
import { AUTH0_CONNECTION_IDENTITY_TYPES, AUTH0_ENTERPRISE_PROVIDERS, type ImportIdentityType } from './identity-types';
import { suspendAtSource } from './draft-helpers';
import { describeZodError } from './kinde-ndjson';
import { checkPasswordFields, type PasswordHashCheck } from './password-fields';
import type { ImportIdentity, RawRow } from './types';

/** One line of an Auth0 user export job (fields Auth0 writes; others are stripped). */
export const Auth0UserSchema = z.object({
  user_id: z.string().min(1),
  email: z.string().nullish(),
  email_verified: z.boolean().nullish(),
  username: z.string().nullish(),
  phone_number: z.string().nullish(),
  phone_verified: z.boolean().nullish(),
  given_name: z.string().nullish(),
  family_name: z.string().nullish(),
  name: z.string().nullish(),
  nickname: z.string().nullish(),
  picture: z.string().nullish(),
  created_at: z.string().nullish(),
  /** Set by an admin (Dashboard "Block", Management API `blocked: true`): the user may not sign in. */
  blocked: z.boolean().nullish(),
  identities: z
    .array(
      z.object({
        connection: z.string(),
        provider: z.string().nullish(),
        user_id: z.union([z.string(), z.number()]).nullish(),
        isSocial: z.boolean().nullish(),
      }),
    )
    .nullish(),
  app_metadata: z.record(z.string(), z.unknown()).nullish(),
  user_metadata: z.record(z.string(), z.unknown()).nullish(),
});

/** One line of Auth0's password-hash export ("import passwords only"). */
export const Auth0PasswordSchema = z.object({
  _id: z.object({ $oid: z.string().min(1) }).nullish(),
  email: z.string().nullish(),
  email_verified: z.boolean().nullish(),
  passwordHash: z.string(),
  connection: z.string().nullish(),
});

/** `auth0|abc` → `abc` (the id the password export calls `_id.$oid`); other providers keep the whole id. */
export function auth0ProvidedId(userId: string): string {
  return userId.startsWith('auth0|') ? userId.slice('auth0|'.length) : userId;
}

type Auth0User = z.infer<typeof Auth0UserSchema>;

export function mapAuth0UserLine(value: unknown, line: number, raw: RawRow): RowDraft {
  const d = newDraft('user', line, raw);
  // A plainly valid line is read as it is (the mapper only reads it); anything else gets zod's verdict and message.
  let u = isPlainAuth0User(value) ? value : null;
  if (u === null) {
    const parsed = Auth0UserSchema.safeParse(value);
    if (!parsed.success) {
      d.errors.push({ code: 'MALFORMED_JSON', field: parsed.error.issues[0]?.path.map(String).join('.') || null, message: describeZodError(parsed.error) });
      return d;
    }
    u = parsed.data;
  }
  d.providedId = auth0ProvidedId(u.user_id);
  if (u.given_name) d.firstName = u.given_name.trim();
  if (u.family_name) d.lastName = u.family_name.trim();
  if (u.picture) d.picture = u.picture;
  if (u.blocked === true) suspendAtSource(d, 'blocked', 'blocked in Auth0');

  // Hot path: module functions and a loop, not closures per row (tsx's keepNames makes each one cost a defineProperty).
  const identities = u.identities ?? [];
  if (identities.length === 0) {
    // An export without the identities field: fall back to the contact fields.
    addEmail(d, u);
    addPhone(d, u);
    addUsername(d, u);
  }
  for (let i = 0; i < identities.length; i++) {
    const ident = identities[i]!;
    // Own members only: a connection named "__proto__" or "constructor" is an unknown connection, not Object's.
    const mapped = Object.hasOwn(AUTH0_CONNECTION_IDENTITY_TYPES, ident.connection) ? (AUTH0_CONNECTION_IDENTITY_TYPES as Record<string, ImportIdentityType>)[ident.connection] : undefined;
    const providerUserId = ident.user_id != null ? String(ident.user_id) : u.user_id.slice(u.user_id.indexOf('|') + 1);
    if (mapped === 'email' || (mapped === undefined && ident.provider === 'auth0')) {
      // Database connections (Username-Password-Authentication or a custom one) and passwordless email.
      addEmail(d, u);
      addUsername(d, u);
      if (ident.provider === 'auth0' || ident.connection === 'Username-Password-Authentication') addPhone(d, u);
    } else if (mapped === 'phone') {
      addPhone(d, u);
      if (!u.phone_number) d.errors.push({ code: 'MISSING_IDENTITY', field: 'phone_number', message: 'An sms identity needs phone_number.' });
    } else if (mapped !== undefined) {
      addEmail(d, u);
      add(d, { type: mapped, identity: providerUserId, display: providerUserId, provider: ident.provider ?? ident.connection });
    } else if (ident.provider && AUTH0_ENTERPRISE_PROVIDERS.has(ident.provider)) {
      const type = `enterprise:${ident.connection.replace(/[^A-Za-z0-9_.:-]/g, '_')}` as ImportIdentityType;
      add(d, { type, identity: providerUserId, display: providerUserId, provider: ident.provider });
    } else {
      d.errors.push({
        code: 'INVALID_FIELD',
        field: `identities[${i}].connection`,
        message: `Auth0 connection "${ident.connection.slice(0, 60)}" is not supported (supported: ${Object.keys(AUTH0_CONNECTION_IDENTITY_TYPES).join(', ')} and enterprise connections).`,
      });
    }
  }
  if (d.identities.length === 0 && d.errors.length === 0) {
    d.errors.push({ code: 'MISSING_IDENTITY', field: 'identities', message: 'The user has no identity that can be imported (no email, phone, username or supported connection).' });
  }
  return d;
}

function add(d: RowDraft, i: ImportIdentity): void {
  if (!d.identities.some((x) => x.type === i.type && x.identity === i.identity)) d.identities.push(i);
}

function addEmail(d: RowDraft, u: Auth0User): void {
  if (!u.email) return;
  const e = checkEmail(u.email);
  if (!e.ok) {
    d.errors.push({ code: 'INVALID_EMAIL', field: 'email', message: `The email ${e.reason}.` });
    return;
  }
  add(d, { type: 'email', identity: e.value, display: u.email.trim(), ...(u.email_verified != null ? { isVerified: u.email_verified } : {}) });
}

function addPhone(d: RowDraft, u: Auth0User): void {
  if (!u.phone_number) return;
  const p = checkPhone(u.phone_number);
  if (!p.ok) {
    d.errors.push({ code: 'INVALID_PHONE', field: 'phone_number', message: `The phone number ${p.reason}.` });
    return;
  }
  add(d, { type: 'phone', identity: p.value, display: p.value, ...(u.phone_verified != null ? { isVerified: u.phone_verified } : {}) });
}

function addUsername(d: RowDraft, u: Auth0User): void {
  if (!u.username) return;
  const n = checkUsername(u.username);
  if (!n.ok) {
    d.errors.push({ code: 'INVALID_FIELD', field: 'username', message: `The username ${n.reason}.` });
    return;
  }
  add(d, { type: 'username', identity: n.value.toLowerCase(), display: n.value });
}

/**
 * Whether Auth0UserSchema accepts `v` as it is, checked by hand: zod's parse (a
 * copy of every object of the line) was a third of the Auth0 parse. True only when
 * zod would succeed with these same member values (the mapper reads nothing else,
 * so the members zod strips do not matter); false whenever in doubt, and the caller
 * asks zod. test/import/parse-auth0-read.unit.test.ts compares both. Members are read
 * by name, not in a loop over names (a keyed load that sees a dozen names is slow).
 */
export function isPlainAuth0User(v: unknown): v is Auth0User {
  if (!isObject(v)) return false;
  const userId = v.user_id;
  if (typeof userId !== 'string' || userId.length < 1) return false;
  if (!isNullishString(v.email) || !isNullishString(v.username) || !isNullishString(v.phone_number)) return false;
  if (!isNullishString(v.given_name) || !isNullishString(v.family_name) || !isNullishString(v.name)) return false;
  if (!isNullishString(v.nickname) || !isNullishString(v.picture) || !isNullishString(v.created_at)) return false;
  if (!isNullishBoolean(v.email_verified) || !isNullishBoolean(v.phone_verified) || !isNullishBoolean(v.blocked)) return false;
  const identities = v.identities;
  if (identities != null) {
    if (!Array.isArray(identities)) return false;
    for (const i of identities as unknown[]) {
      if (!isObject(i) || typeof i.connection !== 'string') return false;
      if (i.provider != null && typeof i.provider !== 'string') return false;
      if (i.user_id != null && typeof i.user_id !== 'string' && !(typeof i.user_id === 'number' && Number.isFinite(i.user_id))) return false;
      if (i.isSocial != null && typeof i.isSocial !== 'boolean') return false;
    }
  }
  return isNullishRecord(v.app_metadata) && isNullishRecord(v.user_metadata);
}

function isNullishString(x: unknown): boolean {
  return x == null || typeof x === 'string';
}

function isNullishBoolean(x: unknown): boolean {
  return x == null || typeof x === 'boolean';
}

/** A JSON object (JSON.parse only makes plain ones): not null, not an array. */
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** null, undefined, or an object whose prototype is Object's (zod's record accepts those). */
function isNullishRecord(v: unknown): boolean {
  return v == null || (isObject(v) && Object.getPrototypeOf(v) === Object.prototype);
}

export function mapAuth0PasswordLine(value: unknown, line: number, raw: RawRow, checkHash: PasswordHashCheck | undefined): RowDraft {
  const d = newDraft('password', line, raw);
  const parsed = Auth0PasswordSchema.safeParse(value);
  if (!parsed.success) {
    d.errors.push({ code: 'MALFORMED_JSON', field: parsed.error.issues[0]?.path.map(String).join('.') || null, message: describeZodError(parsed.error) });
    return d;
  }
  const p = parsed.data;
  if (p._id) d.providedId = p._id.$oid.trim();
  if (p.email) {
    const e = checkEmail(p.email);
    if (e.ok) d.identities.push({ type: 'email', identity: e.value, display: p.email.trim(), ...(p.email_verified != null ? { isVerified: p.email_verified } : {}) });
    else d.errors.push({ code: 'INVALID_EMAIL', field: 'email', message: `The email ${e.reason}.` });
  }
  if (d.providedId === undefined && !p.email) {
    d.errors.push({ code: 'MISSING_IDENTITY', field: '_id', message: 'A password line needs _id.$oid or email to find the user it belongs to.' });
  }
  // Auth0 exports bcrypt hashes ("passwordHash (bcrypt)").
  const pw = checkPasswordFields({ hashedPassword: p.passwordHash, hashingMethod: 'bcrypt' }, checkHash);
  if (pw.kind === 'ok') d.password = pw.password;
  else if (pw.kind === 'not_imported') {
    d.warnings.push({ code: 'PASSWORD_NOT_IMPORTED', field: 'passwordHash', message: `Password not imported: ${pw.reason}. The user must reset their password.` });
  }
  return d;
}
