import { hash } from 'node:crypto';
import { DomainError } from '../../domain/errors';
import type { ImportMode, ImportRecord } from '../../domain/user/import';
import type { UserState } from '../../domain/user/state';
import { decideGroup } from './decide-group';

/**
 * What lets a re-import skip a user without reading its stream. An import stamps its events
 * for a user with a fingerprint of what it decided from — the user's rows as the decider sees
 * them (user id, organizations, roles and permissions resolved, the source's suspension), the
 * password reset the source asks for, and the mode — but only when deciding those same inputs
 * again on the state the events leave changes nothing. A later import that computes the same
 * fingerprint and finds it on the user's newest event (so nothing happened to the user since)
 * knows the outcome, "unchanged", without folding and deciding. Any later event on the user,
 * any difference in a row or its resolved ids, or another mode: no match, the full decision.
 *
 * VERSION: raise it whenever decideGroup (decideImport, the user's evolve) would decide the same
 * inputs differently — fingerprints stamped by older code then stop matching.
 */
const VERSION = 1;

/** SHA-256 of the inputs, 128 bits of it (collisions only matter between two inputs of one user). */
export function importFingerprint(records: readonly ImportRecord[], wantsReset: boolean, mode: ImportMode): string {
  return hash('sha256', JSON.stringify([VERSION, mode, wantsReset, records]), 'base64url').slice(0, 22);
}

/** True when deciding the inputs again on `state` (after the import's events) changes nothing: the fingerprint may be stamped. */
export function isFixedPoint(state: UserState, records: readonly ImportRecord[], wantsReset: boolean, mode: ImportMode): boolean {
  try {
    return decideGroup(state, records, wantsReset, mode).events.length === 0;
  } catch (err) {
    if (err instanceof DomainError) return false;
    throw err;
  }
}
