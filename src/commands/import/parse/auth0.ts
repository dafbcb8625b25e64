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

export function mapAuth0UserLine(value: unknown, line: number, raw: RawRow): RowDraft {
  const d = newDraft('user', line, raw);
  const parsed = Auth0UserSchema.safeParse(value);
  if (!parsed.success) {
    d.errors.push({ code: 'MALFORMED_JSON', field: parsed.error.issues[0]?.path.map(String).join('.') || null, message: describeZodError(parsed.error) });
    return d;
  }
  const u = parsed.data;
  d.providedId = auth0ProvidedId(u.user_id);
  if (u.given_name) d.firstName = u.given_name.trim();
  if (u.family_name) d.lastName = u.family_name.trim();
  if (u.picture) d.picture = u.picture;
  if (u.blocked === true) suspendAtSource(d, 'blocked', 'blocked in Auth0');

  const add = (i: ImportIdentity): void => {
    if (!d.identities.some((x) => x.type === i.type && x.identity === i.identity)) d.identities.push(i);
  };
  const addEmail = (): void => {
    if (!u.email) return;
    const e = checkEmail(u.email);
    if (!e.ok) {
      d.errors.push({ code: 'INVALID_EMAIL', field: 'email', message: `The email ${e.reason}.` });
      return;
    }
    add({ type: 'email', identity: e.value, display: u.email.trim(), ...(u.email_verified != null ? { isVerified: u.email_verified } : {}) });
  };
  const addPhone = (): void => {
    if (!u.phone_number) return;
    const p = checkPhone(u.phone_number);
    if (!p.ok) {
      d.errors.push({ code: 'INVALID_PHONE', field: 'phone_number', message: `The phone number ${p.reason}.` });
      return;
    }
    add({ type: 'phone', identity: p.value, display: p.value, ...(u.phone_verified != null ? { isVerified: u.phone_verified } : {}) });
  };
  const addUsername = (): void => {
    if (!u.username) return;
    const n = checkUsername(u.username);
    if (!n.ok) {
      d.errors.push({ code: 'INVALID_FIELD', field: 'username', message: `The username ${n.reason}.` });
      return;
    }
    add({ type: 'username', identity: n.value.toLowerCase(), display: n.value });
  };

  const identities = u.identities ?? [];
  if (identities.length === 0) {
    // An export without the identities field: fall back to the contact fields.
    addEmail();
    addPhone();
    addUsername();
  }
  identities.forEach((ident, i) => {
    const mapped = (AUTH0_CONNECTION_IDENTITY_TYPES as Record<string, ImportIdentityType | undefined>)[ident.connection];
    const providerUserId = ident.user_id != null ? String(ident.user_id) : u.user_id.slice(u.user_id.indexOf('|') + 1);
    if (mapped === 'email' || (mapped === undefined && ident.provider === 'auth0')) {
      // Database connections (Username-Password-Authentication or a custom one) and passwordless email.
      addEmail();
      addUsername();
      if (ident.provider === 'auth0' || ident.connection === 'Username-Password-Authentication') addPhone();
    } else if (mapped === 'phone') {
      addPhone();
      if (!u.phone_number) d.errors.push({ code: 'MISSING_IDENTITY', field: 'phone_number', message: 'An sms identity needs phone_number.' });
    } else if (mapped !== undefined) {
      addEmail();
      add({ type: mapped, identity: providerUserId, display: providerUserId, provider: ident.provider ?? ident.connection });
    } else if (ident.provider && AUTH0_ENTERPRISE_PROVIDERS.has(ident.provider)) {
      const type = `enterprise:${ident.connection.replace(/[^A-Za-z0-9_.:-]/g, '_')}` as ImportIdentityType;
      add({ type, identity: providerUserId, display: providerUserId, provider: ident.provider });
    } else {
      d.errors.push({
        code: 'INVALID_FIELD',
        field: `identities[${i}].connection`,
        message: `Auth0 connection "${ident.connection.slice(0, 60)}" is not supported (supported: ${Object.keys(AUTH0_CONNECTION_IDENTITY_TYPES).join(', ')} and enterprise connections).`,
      });
    }
  });
  if (d.identities.length === 0 && d.errors.length === 0) {
    d.errors.push({ code: 'MISSING_IDENTITY', field: 'identities', message: 'The user has no identity that can be imported (no email, phone, username or supported connection).' });
  }
  return d;
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
