import { reservationDecider } from '../../domain/reservation/decider';
import { reservationStream } from '../../domain/streams';
import type { SignInIdentityType } from '../../domain/user/sign-in';
import type { EventStore } from '../../eventstore/types';
import { foldRecorded } from '../handle';
import { MAX_IDENTITY_LENGTH } from './identity-key';

/**
 * Which user holds a typed identity: the only place sign-in looks identities
 * up, so the way uniqueness is stored (reservation streams today) can change
 * behind this one function.
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

/** The user holding the identity, from the reservation streams (the source of truth for uniqueness, no read-model lag). */
export async function resolveIdentity(store: EventStore, identity: string): Promise<ResolvedIdentity | null> {
  const candidates = identityCandidates(identity);
  if (candidates.length === 0) return null;
  const ids = candidates.map((c) => reservationStream(c.kind, c.value));
  const read = await store.readStreams(ids);
  for (const [i, c] of candidates.entries()) {
    const { state } = foldRecorded(reservationDecider, read.get(ids[i]!) ?? []);
    if (state.status === 'reserved' && state.ownerId.startsWith('kp_')) return { userId: state.ownerId, ...c };
  }
  return null;
}
