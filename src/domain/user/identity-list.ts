/**
 * The rules for a user's list of identities, written once: the aggregate's fold
 * (state.ts, which the users read model maps from), the audit log's email tracking,
 * and the preferred email / phone / username of the Kinde views and the users rows.
 * Each keeps its own row shape, so the rules take how that shape reads and sets the
 * primary flag.
 */
export interface PrimaryFlag<T> {
  readonly isPrimary: (identity: T) => boolean;
  readonly withPrimary: (identity: T, isPrimary: boolean) => T;
}

/** Identities added (created, imported, added): ids already present are kept as they are; a primary newcomer demotes the rest. */
export function addIdentities<T extends { readonly id: string }>(list: readonly T[], added: readonly T[], flag: PrimaryFlag<T>): T[] {
  if (added.length === 0) return [...list];
  const known = new Set(list.map((i) => i.id));
  const fresh = added.filter((i) => !known.has(i.id));
  const kept = fresh.some(flag.isPrimary) ? list.map((i) => flag.withPrimary(i, false)) : list;
  return [...kept, ...fresh];
}

/** An identity deleted; the one the decider chose (if any) becomes primary. */
export function deleteIdentity<T extends { readonly id: string }>(list: readonly T[], identityId: string, newPrimaryIdentityId: string | undefined, flag: PrimaryFlag<T>): T[] {
  return list.filter((i) => i.id !== identityId).map((i) => (i.id === newPrimaryIdentityId ? flag.withPrimary(i, true) : i));
}

/** Exactly one primary afterwards: the named identity. */
export function makeIdentityPrimary<T extends { readonly id: string }>(list: readonly T[], identityId: string, flag: PrimaryFlag<T>): T[] {
  return list.map((i) => flag.withPrimary(i, i.id === identityId));
}

/** The value of the primary identity of a type, else the first of that type (Kinde's preferred email, phone, username). */
export function primaryOfType<T extends { readonly type: string; readonly identity: string }>(list: readonly T[], type: string, flag: Pick<PrimaryFlag<T>, 'isPrimary'>): string | undefined {
  const ofType = list.filter((i) => i.type === type);
  return (ofType.find(flag.isPrimary) ?? ofType[0])?.identity;
}
