import type { RowDraft } from './assemble';
import { checkEmail, checkPhone, checkUsername } from './fields';
import type { ImportIdentity } from './types';

/** Building blocks the provider mappers share: each adds one identity or an error naming the source field. */

export function addIdentity(d: RowDraft, i: ImportIdentity): void {
  if (!d.identities.some((x) => x.type === i.type && x.identity === i.identity)) d.identities.push(i);
}

export function addEmail(d: RowDraft, value: string | null | undefined, field: string, isVerified?: boolean): void {
  if (value == null || value.trim() === '') return;
  const e = checkEmail(value);
  if (!e.ok) {
    d.errors.push({ code: 'INVALID_EMAIL', field, message: `The email ${e.reason}.` });
    return;
  }
  addIdentity(d, { type: 'email', identity: e.value, display: value.trim(), ...(isVerified !== undefined ? { isVerified } : {}) });
}

/** `digitsWithoutPlus`: Supabase stores phones as bare digits with the country code ("15551234567"). */
export function addPhone(d: RowDraft, value: string | null | undefined, field: string, isVerified?: boolean, digitsWithoutPlus = false): void {
  if (value == null || value.trim() === '') return;
  let v = value.trim();
  if (digitsWithoutPlus && /^\d{7,15}$/.test(v)) v = `+${v}`;
  const p = checkPhone(v);
  if (!p.ok) {
    d.errors.push({ code: 'INVALID_PHONE', field, message: `The phone number ${p.reason}.` });
    return;
  }
  addIdentity(d, { type: 'phone', identity: p.value, display: p.value, ...(isVerified !== undefined ? { isVerified } : {}) });
}

/**
 * Adds a username; `lenient`: a value Roster cannot take as a username (an email
 * used as the login name, spaces) is left out instead of failing the row — the
 * row's other identities still sign the user in.
 */
export function addUsername(d: RowDraft, value: string | null | undefined, field: string, lenient = false): void {
  if (value == null || value.trim() === '') return;
  const n = checkUsername(value);
  if (!n.ok) {
    if (!lenient) d.errors.push({ code: 'INVALID_FIELD', field, message: `The username ${n.reason}.` });
    return;
  }
  addIdentity(d, { type: 'username', identity: n.value.toLowerCase(), display: n.value });
}

/** "Ada Lovelace" → Ada / Lovelace; one word is a first name. */
export function splitFullName(d: RowDraft, full: string | null | undefined): void {
  const t = (full ?? '').trim().replace(/\s+/g, ' ');
  if (t === '') return;
  const at = t.indexOf(' ');
  d.firstName ??= at < 0 ? t : t.slice(0, at);
  if (at >= 0) d.lastName ??= t.slice(at + 1);
}

/**
 * The source does not let this account sign in: it is imported suspended with
 * `reason` ("blocked in Auth0"), and the row says so (SUSPENDED_AT_SOURCE), so a
 * dry run shows who will arrive suspended.
 */
export function suspendAtSource(d: RowDraft, field: string, reason: string): void {
  d.suspendedAtSource = reason;
  d.warnings.push({
    code: 'SUSPENDED_AT_SOURCE',
    field,
    message: `The account is ${reason}: the user is imported suspended (cannot sign in until an admin restores them); an existing active user is suspended only in mode update.`,
  });
}

/** A missing identity, worded for the source. */
export function requireIdentity(d: RowDraft, field: string, what: string): void {
  if (d.identities.length === 0 && d.errors.length === 0) {
    d.errors.push({ code: 'MISSING_IDENTITY', field, message: `The user has no identity Roster can import: ${what}.` });
  }
}

/** A present, non-empty string. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** TRUE/FALSE/1/0/t/f (CSV exports from databases), else undefined. */
export function looseBoolean(v: string | undefined): boolean | undefined {
  const t = (v ?? '').trim().toLowerCase();
  if (t === 'true' || t === 't' || t === '1' || t === 'yes') return true;
  if (t === 'false' || t === 'f' || t === '0' || t === 'no') return false;
  return undefined;
}
