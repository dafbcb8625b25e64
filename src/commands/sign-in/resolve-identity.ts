import { reservationValue } from '../../domain/streams';
import type { SignInIdentityType } from '../../domain/user/sign-in';
import { uniqueKey, type EventStore } from '../../eventstore/types';
import { MAX_IDENTITY_LENGTH } from './identity-key';

/**
 * Which user holds a typed identity: the only place sign-in looks identities
 * up, through the store's unique values (constraint rows on PostgreSQL,
 * reservation streams on EventStoreDB).
 */
export interface ResolvedIdentity {
  readonly userId: string;
  /** What the typed value was taken for, and the value as typed (trimmed; a phone without separators). */
  readonly kind: SignInIdentityType;
  readonly value: string;
}

type Candidate = { readonly kind: SignInIdentityType; readonly value: string };

const E164 = /^\+[1-9]\d{6,14}$/;

/** What the typed identity could be: an email (has @), a phone (E.164 after removing spaces and dashes), else a username. */
function identityCandidates(raw: string): Candidate[] {
  const t = raw.trim();
  if (t === '' || t.length > MAX_IDENTITY_LENGTH) return [];
  const out: Candidate[] = [];
  if (t.includes('@')) out.push({ kind: 'email', value: t });
  const phone = t.replace(/[\s().-]/g, '');
  if (E164.test(phone)) out.push({ kind: 'phone', value: phone });
  if (!t.includes('@')) out.push({ kind: 'username', value: t });
  return out;
}

/** The user holding the identity, from the store's unique values (the source of truth for uniqueness, no read-model lag). */
export async function resolveIdentity(store: EventStore, identity: string): Promise<ResolvedIdentity | null> {
  const candidates = identityCandidates(identity);
  if (candidates.length === 0) return null;
  const keys = candidates.map((c) => ({ kind: c.kind, value: reservationValue(c.kind, c.value) }));
  const owners = await store.uniqueOwners(keys);
  for (const [i, c] of candidates.entries()) {
    const owner = owners.get(uniqueKey(keys[i]!.kind, keys[i]!.value));
    if (owner !== undefined && owner.startsWith('kp_')) return { userId: owner, ...c };
  }
  return null;
}
