import { issue, type ImportIssue, type ImportIssueCode } from './issues';
import { KeyIndex, hash64, hash64Key, hashHex, sameHash, type Hash64 } from './key-index';
import { isEnterpriseType } from './identity-types';
import type { FailedRow, ImportIdentity, ImportOrganizationAccess, ImportPassword, ImportRecord, RawRow } from './types';

/** An issue before it is stamped with the row's line and user key. */
export interface IssueDraft {
  readonly code: ImportIssueCode;
  readonly field: string | null;
  readonly message: string;
}

/** What a format mapper makes of one source row. */
export interface RowDraft {
  readonly kind: ImportRecord['kind'];
  readonly line: number;
  readonly raw: RawRow;
  providedId?: string;
  firstName?: string;
  lastName?: string;
  picture?: string;
  identities: ImportIdentity[];
  organizations: ImportOrganizationAccess[];
  properties: { key: string; value: string }[];
  featureFlags: { key: string; value: string }[];
  password?: ImportPassword;
  passwordVerified?: boolean;
  passwordResetRequired?: boolean;
  suspendedAtSource?: string;
  readonly errors: IssueDraft[];
  readonly warnings: IssueDraft[];
}

export function newDraft(kind: ImportRecord['kind'], line: number, raw: RawRow): RowDraft {
  return { kind, line, raw, identities: [], organizations: [], properties: [], featureFlags: [], errors: [], warnings: [] };
}

/** A row that could not even be mapped (MALFORMED_ROW, MALFORMED_JSON, ROW_TOO_LARGE). */
export function failedRow(line: number, raw: RawRow, code: ImportIssueCode, field: string | null, message: string): FailedRow {
  return { line, userKey: null, errors: [issue(line, code, field, message, null)], raw };
}

export function userKeyOf(d: Pick<RowDraft, 'providedId' | 'identities'>): string | null {
  if (d.providedId !== undefined) return `id:${d.providedId}`;
  for (const t of ['email', 'phone', 'username'] as const) {
    const id = d.identities.find((i) => i.type === t);
    if (id) return `${t}:${id.identity}`;
  }
  const first = d.identities[0];
  return first ? `${first.type}:${first.identity}` : null;
}

// Owners from a provided id carry this bit, so the email rule below can tell them apart.
const ID_BIT = 1;

/**
 * Turns drafts into batches:
 * 1. stamps issues with line and user key; a draft with errors becomes a FailedRow;
 * 2. DUPLICATE_IN_FILE: a row claiming an email / username / phone / id / other
 *    identity that an earlier row gave to a different user fails. Rows are the same
 *    user when their provided ids are equal, else (one has no id) when their emails
 *    are ("rows are merged by provided id, else email"; phone, then username, for
 *    rows with neither);
 * 3. consecutive rows of the same user and kind merge into one record; a later,
 *    non-adjacent row of that user is a second record with the same groupKey;
 * 4. records are cut into batches of `batchSize`.
 * Memory: one pending record, one batch, and the KeyIndex.
 */
export class Assembler {
  readonly #index = new KeyIndex();
  readonly #batchSize: number;
  #pending: { record: MutableRecord; owner: Hash64 } | null = null;
  #records: ImportRecord[] = [];
  #failed: FailedRow[] = [];

  constructor(batchSize: number) {
    this.#batchSize = batchSize;
  }

  addFailed(row: FailedRow): void {
    this.#failed.push(row);
  }

  addDraft(d: RowDraft): void {
    const ids = d.identities;
    let enterprise = false;
    let other = false;
    for (let k = 0; k < ids.length; k++) {
      if (isEnterpriseType(ids[k]!.type)) enterprise = true;
      else other = true;
    }
    if (enterprise && other) {
      d.errors.push({
        code: 'ENTERPRISE_IDENTITY_EXCLUSIVE',
        field: 'identities',
        message: 'A user with an enterprise identity cannot have any other identity (email, phone, username or social).',
      });
    }
    const userKey = userKeyOf(d);
    if (userKey === null && d.errors.length === 0) {
      d.errors.push({ code: 'MISSING_IDENTITY', field: null, message: 'The row has no identity: give an email or a phone number.' });
    }
    if (d.errors.length > 0 || userKey === null) {
      this.#failed.push({ line: d.line, userKey, errors: stampAll(d.errors, d.line, userKey), raw: d.raw });
      return;
    }

    // Keys this row claims: its id and identities, each hashed once (the owner and
    // the user key are among them). Password-only and access-only rows point at
    // existing users and claim nothing (their keys were claimed by the users file).
    const hasId = d.providedId !== undefined;
    let owner: Hash64;
    let idHash: Hash64 | null = null;
    let hashes: Hash64[] = NO_HASHES;
    if (d.kind === 'user') {
      if (hasId) idHash = hash64Key('id', d.providedId!);
      hashes = new Array<Hash64>(ids.length);
      for (let k = 0; k < ids.length; k++) hashes[k] = hash64Key(ids[k]!.type, ids[k]!.identity);
      owner = this.#ownerOf(ids, idHash, hashes);
      if (idHash !== null) this.#checkClaim(idHash, owner, 'id', 'id', false, hasId, d);
      for (let k = 0; k < ids.length; k++) {
        const type = ids[k]!.type;
        this.#checkClaim(hashes[k]!, owner, fieldOf(type), type, type === 'email', hasId, d);
      }
    } else {
      owner = ownerHash(hash64(userKey), hasId);
    }
    if (d.errors.length > 0) {
      this.#failed.push({ line: d.line, userKey, errors: stampAll(d.errors, d.line, userKey), raw: d.raw });
      return;
    }
    if (idHash !== null) this.#index.claim(idHash, owner);
    for (let k = 0; k < hashes.length; k++) this.#index.claim(hashes[k]!, owner);

    const record = toRecord(d, userKey, hashHex(owner), stampAll(d.warnings, d.line, userKey));
    const p = this.#pending;
    if (p !== null && sameHash(p.owner, owner) && p.record.kind === record.kind) {
      mergeInto(p.record, record);
      return;
    }
    this.#flushPending();
    this.#pending = { record, owner };
  }

  /** DUPLICATE_IN_FILE when an earlier row gave this key to a different user. */
  #checkClaim(key: Hash64, owner: Hash64, field: string, label: string, isEmail: boolean, hasId: boolean, d: RowDraft): void {
    const slot = this.#index.slotOf(key);
    if (slot < 0) return;
    const prevHi = this.#index.ownerHi(slot);
    if (prevHi === owner[0] && this.#index.ownerLo(slot) === owner[1]) return;
    const prevHasId = (prevHi & ID_BIT) === ID_BIT;
    if (isEmail && (!prevHasId || !hasId)) return; // same user by email
    d.errors.push({
      code: 'DUPLICATE_IN_FILE',
      field,
      message: `This ${label} already belongs to a different user on an earlier row of this file.`,
    });
  }

  /** A full batch, if one is ready. */
  takeFull(): { records: ImportRecord[]; failed: FailedRow[] } | null {
    if (this.#records.length < this.#batchSize) return null;
    return this.#take();
  }

  /** What is left at the end of the file, a batch at a time (call until null). */
  takeRest(): { records: ImportRecord[]; failed: FailedRow[] } | null {
    this.#flushPending();
    if (this.#records.length === 0 && this.#failed.length === 0) return null;
    return this.#take();
  }

  /** Failed rows alone pile up when nothing succeeds; hand them out at the batch size too. */
  takeIfFailedPiling(): { records: ImportRecord[]; failed: FailedRow[] } | null {
    return this.#failed.length >= this.#batchSize ? this.#take() : null;
  }

  #take(): { records: ImportRecord[]; failed: FailedRow[] } {
    const records = this.#records.length <= this.#batchSize ? this.#records : this.#records.slice(0, this.#batchSize);
    this.#records = records === this.#records ? [] : this.#records.slice(this.#batchSize);
    const out = { records, failed: this.#failed };
    this.#failed = [];
    return out;
  }

  #flushPending(): void {
    if (this.#pending !== null) {
      this.#records.push(this.#pending.record);
      this.#pending = null;
    }
  }

  /**
   * The user a row belongs to: its provided id; else the owner of its first
   * contact key (email, else phone, else username) when an earlier row claimed
   * it; else its user key. `hashes[k]` is the key of `ids[k]`.
   */
  #ownerOf(ids: readonly ImportIdentity[], idHash: Hash64 | null, hashes: readonly Hash64[]): Hash64 {
    if (idHash !== null) return ownerHash(idHash, true);
    const k = contactIndex(ids);
    if (k >= 0) return this.#index.get(hashes[k]!) ?? ownerHash(hashes[k]!, false);
    return ownerHash(hashes[0]!, false); // the user key is the first identity's
  }
}

const NO_HASHES: Hash64[] = [];

/** Index of the first email identity, else phone, else username; -1 if none (userKeyOf's order). */
function contactIndex(ids: readonly ImportIdentity[]): number {
  let phone = -1;
  let username = -1;
  for (let k = 0; k < ids.length; k++) {
    const t = ids[k]!.type;
    if (t === 'email') return k;
    if (t === 'phone' && phone < 0) phone = k;
    else if (t === 'username' && username < 0) username = k;
  }
  return phone >= 0 ? phone : username;
}

function stampAll(drafts: readonly IssueDraft[], line: number, userKey: string | null): ImportIssue[] {
  const out: ImportIssue[] = [];
  for (const x of drafts) out.push(issue(line, x.code, x.field, x.message, userKey));
  return out;
}

function firstIdentity(d: RowDraft, type: string): string | undefined {
  for (const i of d.identities) if (i.type === type) return i.identity;
  return undefined;
}

/** The owner (group) of a row whose user key hashes to `h`; ID_BIT tells whether it came from a provided id. */
function ownerHash(h: Hash64, fromId: boolean): Hash64 {
  return [fromId ? (h[0] | ID_BIT) >>> 0 : (h[0] & ~ID_BIT) >>> 0 || 2, h[1]];
}

function fieldOf(type: string): string {
  return type === 'email' || type === 'phone' || type === 'username' ? type : 'identities';
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };
type MutableRecord = Mutable<ImportRecord>;

function toRecord(d: RowDraft, userKey: string, groupKey: string, warnings: ImportIssue[]): MutableRecord {
  const r: MutableRecord = {
    kind: d.kind,
    userKey,
    groupKey,
    lines: [d.line],
    identities: d.identities,
    organizations: d.organizations,
    properties: d.properties,
    featureFlags: d.featureFlags,
    warnings,
    raw: [d.raw],
  };
  const email = firstIdentity(d, 'email');
  const phone = firstIdentity(d, 'phone');
  const username = firstIdentity(d, 'username');
  if (d.providedId !== undefined) r.providedId = d.providedId;
  if (email !== undefined) r.email = email;
  if (phone !== undefined) r.phone = phone;
  if (username !== undefined) r.username = username;
  if (d.firstName !== undefined) r.firstName = d.firstName;
  if (d.lastName !== undefined) r.lastName = d.lastName;
  if (d.picture !== undefined) r.picture = d.picture;
  if (d.password !== undefined) r.password = d.password;
  if (d.passwordVerified !== undefined) r.passwordVerified = d.passwordVerified;
  if (d.passwordResetRequired) r.passwordResetRequired = true;
  if (d.suspendedAtSource !== undefined) r.suspendedAtSource = d.suspendedAtSource;
  return r;
}

/** Merge a later row of the same user: union of identities and access; first value wins for single fields. */
function mergeInto(into: MutableRecord, next: MutableRecord): void {
  into.lines.push(...next.lines);
  into.raw.push(...next.raw);
  into.warnings.push(...next.warnings);
  for (const i of next.identities) {
    if (!into.identities.some((j) => j.type === i.type && j.identity === i.identity)) into.identities.push(i);
  }
  for (const o of next.organizations) {
    const same = into.organizations.find((x) => x.externalId === o.externalId);
    if (!same) {
      into.organizations.push(o);
      continue;
    }
    const merged: ImportOrganizationAccess = {
      externalId: o.externalId,
      roles: union(same.roles, o.roles),
      permissions: union(same.permissions, o.permissions),
      scopes: [...same.scopes, ...o.scopes.filter((s) => !same.scopes.some((t) => t.audience === s.audience && t.scope === s.scope))],
    };
    into.organizations[into.organizations.indexOf(same)] = merged;
  }
  for (const p of next.properties) if (!into.properties.some((q) => q.key === p.key)) into.properties.push(p);
  for (const f of next.featureFlags) if (!into.featureFlags.some((q) => q.key === f.key)) into.featureFlags.push(f);
  into.providedId ??= next.providedId;
  into.email ??= next.email;
  into.phone ??= next.phone;
  into.username ??= next.username;
  into.firstName ??= next.firstName;
  into.lastName ??= next.lastName;
  into.picture ??= next.picture;
  into.password ??= next.password;
  into.passwordVerified ??= next.passwordVerified;
  into.passwordResetRequired ??= next.passwordResetRequired;
  into.suspendedAtSource ??= next.suspendedAtSource;
  // exactOptionalPropertyTypes is off, but keep records free of explicit undefined members
  for (const k of Object.keys(into) as (keyof MutableRecord)[]) if (into[k] === undefined) delete into[k];
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...a, ...b.filter((x) => !a.includes(x))];
}
