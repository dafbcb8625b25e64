import type { z } from 'zod';
import { newDraft, type RowDraft } from './assemble';
import { checkEmail, checkPhone, checkUsername } from './fields';
import { isImportIdentityType } from './identity-types';
import { KindeNdjsonUserSchema, type KindeNdjsonUser } from './kinde-ndjson-schema';
import { checkPasswordFields, type PasswordHashCheck } from './password-fields';
import { copyKeyValue, copyScope, isPlainKindeUser } from './kinde-ndjson-read';
import { isPlainObject } from './safe-json';
import type { ImportIdentity, RawRow } from './types';

/** zod's first issue as `path: message` (zod messages name types, never the value). */
export function describeZodError(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'The line does not match the schema.';
  const path = first.path.map(String).join('.');
  return `The line does not match the schema: ${path ? `${path}: ` : ''}${first.message}.`;
}

export function mapKindeNdjsonLine(value: unknown, line: number, raw: RawRow, checkHash: PasswordHashCheck | undefined): RowDraft {
  // A plainly valid line is read as it is, without zod's copy; anything else gets zod's verdict and message.
  if (isPlainObject(value) && isPlainKindeUser(value)) return mapKindeUser(value, line, raw, checkHash);
  const parsed = KindeNdjsonUserSchema.safeParse(value);
  if (!parsed.success) {
    const d = newDraft('user', line, raw);
    d.errors.push({ code: 'MALFORMED_JSON', field: parsed.error.issues[0]?.path.map(String).join('.') || null, message: describeZodError(parsed.error) });
    return d;
  }
  return mapKindeUser(parsed.data, line, raw, checkHash);
}

/**
 * The draft of a line the schema accepts. `u` is zod's copy, or the parsed line
 * itself when it is plainly valid (isPlainKindeUser): it is only read, and the
 * objects that go into the record are built here.
 */
export function mapKindeUser(u: KindeNdjsonUser, line: number, raw: RawRow, checkHash: PasswordHashCheck | undefined): RowDraft {
  const d = newDraft('user', line, raw);
  if (u.id !== undefined && u.id.trim() !== '') d.providedId = u.id.trim();
  if (u.first_name) d.firstName = u.first_name.trim();
  if (u.last_name) d.lastName = u.last_name.trim();

  // Hot path: a loop, not a callback per row (tsx's keepNames makes each closure cost a defineProperty).
  const identities = u.identities ?? NONE;
  for (let i = 0; i < identities.length; i++) {
    const ident = identities[i]!;
    if (!isImportIdentityType(ident.type)) {
      d.errors.push({ code: 'INVALID_FIELD', field: `identities[${i}].type`, message: `Identity type "${ident.type.slice(0, 40)}" is not supported.` });
      continue;
    }
    let value: string;
    switch (ident.type) {
      case 'email': {
        const e = checkEmail(ident.identity);
        if (!e.ok) {
          d.errors.push({ code: 'INVALID_EMAIL', field: `identities[${i}]`, message: `The email ${e.reason}.` });
          continue;
        }
        value = e.value;
        break;
      }
      case 'phone': {
        const p = checkPhone(ident.identity);
        if (!p.ok) {
          d.errors.push({ code: 'INVALID_PHONE', field: `identities[${i}]`, message: `The phone number ${p.reason}.` });
          continue;
        }
        value = p.value;
        break;
      }
      case 'username': {
        const n = checkUsername(ident.identity);
        if (!n.ok) {
          d.errors.push({ code: 'INVALID_FIELD', field: `identities[${i}]`, message: `The username ${n.reason}.` });
          continue;
        }
        value = n.value.toLowerCase();
        break;
      }
      default:
        value = ident.identity.trim();
        if (value === '') {
          d.errors.push({ code: 'INVALID_FIELD', field: `identities[${i}]`, message: `The ${ident.type} identity is empty.` });
          continue;
        }
    }
    if (hasIdentity(d.identities, ident.type, value)) continue;
    const made: { -readonly [K in keyof ImportIdentity]: ImportIdentity[K] } = { type: ident.type, identity: value, display: ident.identity.trim() };
    if (ident.is_verified !== undefined) made.isVerified = ident.is_verified;
    if (ident.provider !== undefined) made.provider = ident.provider;
    if (ident.profile !== undefined) made.profile = ident.profile;
    d.identities.push(made);
  }
  if (identities.length === 0) {
    d.errors.push({ code: 'MISSING_IDENTITY', field: 'identities', message: 'The user needs at least one identity (email, phone, username or social).' });
  }

  const organizations = u.organizations ?? NONE;
  for (let k = 0; k < organizations.length; k++) {
    const o = organizations[k]!;
    d.organizations.push({
      externalId: o.external_id,
      roles: dedupe(o.roles),
      permissions: dedupe(o.permissions),
      scopes: o.scopes === undefined ? [] : o.scopes.map(copyScope),
    });
  }
  d.properties = u.properties === undefined ? [] : u.properties.map(copyKeyValue);
  d.featureFlags = u.feature_flags === undefined ? [] : u.feature_flags.map(copyKeyValue);

  if (u.password) {
    const pw = checkPasswordFields(
      {
        hashedPassword: u.password.hashed_password,
        hashingMethod: u.password.hashing_algorithm,
        salt: u.password.salt,
        saltPosition: u.password.salt_position,
        saltFormat: u.password.salt_format,
        params: u.password.params,
      },
      checkHash,
    );
    if (pw.kind === 'ok') d.password = pw.password;
    else if (pw.kind === 'not_imported') {
      d.warnings.push({
        code: 'PASSWORD_NOT_IMPORTED',
        field: `password.${pw.field === 'hashing_method' ? 'hashing_algorithm' : pw.field}`,
        message: `Password not imported: ${pw.reason}. The user is imported and must reset their password.`,
      });
    }
  }
  return d;
}

const NONE: readonly never[] = [];

/** Trimmed, empty ones dropped, first occurrence kept (a fresh array: the record's own). */
function dedupe(xs: readonly string[] | undefined): string[] {
  const out: string[] = [];
  if (xs === undefined) return out;
  for (const x of xs) {
    const t = x.trim();
    if (t !== '' && !out.includes(t)) out.push(t);
  }
  return out;
}

function hasIdentity(ids: readonly ImportIdentity[], type: string, identity: string): boolean {
  for (const x of ids) if (x.type === type && x.identity === identity) return true;
  return false;
}
