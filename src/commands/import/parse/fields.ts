import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { fastPhone } from './phone-fast';

/** Field-level checks shared by every format. Each returns a value or a reason (no secrets in reasons). */

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

// The domain's identity rules (src/domain/user/identity.ts) — kept at least as
// strict here, so a record that passes the parser does not fail in the decider.
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const USERNAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const E164_RE = /^\+[1-9]\d{6,14}$/;

export function checkEmail(value: string): Checked<string> {
  const v = value.trim();
  if (v.length > 320 || !EMAIL_RE.test(v)) return { ok: false, reason: 'is not a valid email address' };
  return { ok: true, value: v.toLowerCase() };
}

const NOT_POSSIBLE = 'is not a possible phone number in E.164 format, e.g. +61412345678';

/**
 * E.164 ("[+][country code][number]", the docs' example +6155511555). We require
 * the leading `+` and a length that is possible for the country (libphonenumber's
 * isPossible), not full validity: the docs' own example is not an allocated range.
 */
export function checkPhone(value: string): Checked<string> {
  const v = value.trim();
  if (!v.startsWith('+')) return { ok: false, reason: 'must be in E.164 format, e.g. +61412345678 (a + and the country code first)' };
  const fast = fastPhone(v); // libphonenumber's own answer, without its cost (see phone-fast.ts)
  if (typeof fast === 'string' && E164_RE.test(fast)) return { ok: true, value: fast };
  if (fast !== undefined) return { ok: false, reason: NOT_POSSIBLE };
  const parsed = parsePhoneNumberFromString(v);
  if (!parsed || !parsed.isPossible() || !E164_RE.test(parsed.number)) {
    return { ok: false, reason: NOT_POSSIBLE };
  }
  return { ok: true, value: parsed.number };
}

/** Usernames are case-insensitive ("RosyRose" and "rosyrose" are the same): the lowercase form is the key. */
export function checkUsername(value: string): Checked<string> {
  const v = value.trim();
  if (!USERNAME_RE.test(v)) {
    return { ok: false, reason: 'must be 1-128 letters, digits, dots, dashes or underscores, starting with a letter or digit' };
  }
  return { ok: true, value: v };
}

/** TRUE/FALSE in any case; empty = not given. */
export function checkBoolean(value: string): Checked<boolean | undefined> {
  const v = value.trim().toLowerCase();
  if (v === '') return { ok: true, value: undefined };
  if (v === 'true') return { ok: true, value: true };
  if (v === 'false') return { ok: true, value: false };
  return { ok: false, reason: 'must be TRUE or FALSE' };
}

/** A comma-separated list ("role_1,role_2"): trimmed, empty items dropped, duplicates removed, order kept. */
export function splitList(value: string): string[] {
  if (value === '') return [];
  // Usually the list is clean ("admin,billing"): the split is the answer.
  const parts = splitAtCommas(value);
  if (isCleanList(parts)) return parts;
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const comma = value.indexOf(',', from);
    const item = comma < 0 ? (from === 0 ? value : value.substring(from)) : value.substring(from, comma);
    const t = item.trim();
    if (t !== '' && !out.includes(t)) out.push(t);
    if (comma < 0) return out;
    from = comma + 1;
  }
}

/**
 * `value.split(',')`, with the usual one to three items cut by indexOf into an
 * array literal: split's runtime call cost four times as much for these short lists.
 */
function splitAtCommas(value: string): string[] {
  const c1 = value.indexOf(',');
  if (c1 < 0) return [value];
  const c2 = value.indexOf(',', c1 + 1);
  if (c2 < 0) return [value.substring(0, c1), value.substring(c1 + 1)];
  const c3 = value.indexOf(',', c2 + 1);
  if (c3 < 0) return [value.substring(0, c1), value.substring(c1 + 1, c2), value.substring(c2 + 1)];
  return value.split(',');
}

/** Every item non-empty, without surrounding whitespace, and unique. */
function isCleanList(parts: readonly string[]): boolean {
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === '' || isSpace(p.charCodeAt(0)) || isSpace(p.charCodeAt(p.length - 1))) return false;
    for (let j = 0; j < i; j++) if (parts[j] === p) return false;
  }
  return true;
}

/** Conservative: anything String.prototype.trim could remove, and every non-ASCII character. */
function isSpace(c: number): boolean {
  return c <= 0x20 || c >= 0x7f;
}
