import type { z } from 'zod';
import { newDraft, type RowDraft } from './assemble';
import { checkEmail, checkPhone, checkUsername } from './fields';
import { isImportIdentityType } from './identity-types';
import { KindeNdjsonUserSchema } from './kinde-ndjson-schema';
import { checkPasswordFields, type PasswordHashCheck } from './password-fields';
import type { RawRow } from './types';

/** zod's first issue as `path: message` (zod messages name types, never the value). */
export function describeZodError(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'The line does not match the schema.';
  const path = first.path.map(String).join('.');
  return `The line does not match the schema: ${path ? `${path}: ` : ''}${first.message}.`;
}

export function mapKindeNdjsonLine(value: unknown, line: number, raw: RawRow, checkHash: PasswordHashCheck | undefined): RowDraft {
  const d = newDraft('user', line, raw);
  const parsed = KindeNdjsonUserSchema.safeParse(value);
  if (!parsed.success) {
    d.errors.push({ code: 'MALFORMED_JSON', field: parsed.error.issues[0]?.path.map(String).join('.') || null, message: describeZodError(parsed.error) });
    return d;
  }
  const u = parsed.data;
  if (u.id !== undefined && u.id.trim() !== '') d.providedId = u.id.trim();
  if (u.first_name) d.firstName = u.first_name.trim();
  if (u.last_name) d.lastName = u.last_name.trim();

  (u.identities ?? []).forEach((ident, i) => {
    const field = `identities[${i}]`;
    if (!isImportIdentityType(ident.type)) {
      d.errors.push({ code: 'INVALID_FIELD', field: `${field}.type`, message: `Identity type "${ident.type.slice(0, 40)}" is not supported.` });
      return;
    }
    const base = {
      ...(ident.is_verified !== undefined ? { isVerified: ident.is_verified } : {}),
      ...(ident.provider !== undefined ? { provider: ident.provider } : {}),
      ...(ident.profile !== undefined ? { profile: ident.profile } : {}),
    };
    let value: string;
    switch (ident.type) {
      case 'email': {
        const e = checkEmail(ident.identity);
        if (!e.ok) { d.errors.push({ code: 'INVALID_EMAIL', field, message: `The email ${e.reason}.` }); return; }
        value = e.value;
        break;
      }
      case 'phone': {
        const p = checkPhone(ident.identity);
        if (!p.ok) { d.errors.push({ code: 'INVALID_PHONE', field, message: `The phone number ${p.reason}.` }); return; }
        value = p.value;
        break;
      }
      case 'username': {
        const n = checkUsername(ident.identity);
        if (!n.ok) { d.errors.push({ code: 'INVALID_FIELD', field, message: `The username ${n.reason}.` }); return; }
        value = n.value.toLowerCase();
        break;
      }
      default:
        value = ident.identity.trim();
        if (value === '') { d.errors.push({ code: 'INVALID_FIELD', field, message: `The ${ident.type} identity is empty.` }); return; }
    }
    if (!d.identities.some((x) => x.type === ident.type && x.identity === value)) {
      d.identities.push({ type: ident.type, identity: value, display: ident.identity.trim(), ...base });
    }
  });
  if ((u.identities ?? []).length === 0) {
    d.errors.push({ code: 'MISSING_IDENTITY', field: 'identities', message: 'The user needs at least one identity (email, phone, username or social).' });
  }

  d.organizations = (u.organizations ?? []).map((o) => ({
    externalId: o.external_id,
    roles: dedupe(o.roles ?? []),
    permissions: dedupe(o.permissions ?? []),
    scopes: o.scopes ?? [],
  }));
  d.properties = u.properties ?? [];
  d.featureFlags = u.feature_flags ?? [];

  if (u.password) {
    const pw = checkPasswordFields({
      hashedPassword: u.password.hashed_password,
      hashingMethod: u.password.hashing_algorithm,
      salt: u.password.salt,
      saltPosition: u.password.salt_position,
      saltFormat: u.password.salt_format,
      params: u.password.params,
    }, checkHash);
    if (pw.kind === 'ok') d.password = pw.password;
    else if (pw.kind === 'not_imported') {
      d.warnings.push({ code: 'PASSWORD_NOT_IMPORTED', field: `password.${pw.field === 'hashing_method' ? 'hashing_algorithm' : pw.field}`, message: `Password not imported: ${pw.reason}. The user is imported and must reset their password.` });
    }
  }
  return d;
}

function dedupe(xs: readonly string[]): string[] {
  return [...new Set(xs.map((x) => x.trim()).filter((x) => x !== ''))];
}
