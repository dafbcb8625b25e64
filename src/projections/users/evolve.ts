import type { RecordedEvent } from '../../eventstore/types';
import { USER_EVENT_TYPES, type UserEvent } from '../../domain/user/events';
import { evolveUser, initialUserState } from '../../domain/user/state';
import { eventTime, isoTime } from '../support';
import { blankUserDoc, type UserDoc } from './doc';
import { docFromState } from './doc-from-state';
import { stateFromDoc } from './state-from-doc';

/**
 * Folds one user event into the read model's document: the domain's `evolveUser`
 * decides what the user is now (the same fold the decider and time travel use),
 * docFromState maps that into the document (sign-in counts included), and this adds
 * what only the recorded event knows — its time, the sign-in times, the suspension
 * reason, the sources.
 */
export function evolveUserDoc(current: UserDoc | undefined, recorded: RecordedEvent, id: string): UserDoc | undefined {
  if (!USER_TYPES.has(recorded.type)) return current;
  const event = { type: recorded.type, data: recorded.data } as UserEvent;
  const before = current === undefined ? initialUserState() : stateFromDoc(current);
  const after = evolveUser(before, event);
  if (after.status === 'none') return current;
  const at = eventTime(recorded);
  if (after.status === 'deleted') {
    // A bare row marked deleted stays (so a replay stays idempotent); events after it change nothing.
    if (current === undefined || current.status === 'deleted') return current;
    return { ...blankUserDoc(id, current.created_on, at, []), status: 'deleted' };
  }
  // A user starts (or starts again: the domain's UserCreated always makes a new profile) with a new document.
  const starts = current === undefined || before.status === 'none' || before.status === 'deleted' || event.type === 'UserCreated' || event.type === 'UserSignedUp';
  const doc = starts ? docFromState(after, newDoc(id, event, recorded, at), at) : docFromState(after, current, at, before);
  return readSide(doc, event, at);
}

const USER_TYPES = new Set<string>(USER_EVENT_TYPES);

/** The first document of a user: created (by whom: the source) or imported (created when the previous provider says, if it does). */
function newDoc(id: string, event: UserEvent, recorded: RecordedEvent, at: string): UserDoc {
  if (event.type === 'UserImported') return blankUserDoc(id, event.data.createdAtSource ? isoTime(event.data.createdAtSource) : at, at, ['import']);
  return blankUserDoc(id, at, at, [recorded.metadata?.source ?? 'system']);
}

/** What the domain state does not hold: sign-in times, the suspension's reason and time, where the user came from. */
function readSide(doc: UserDoc, event: UserEvent, at: string): UserDoc {
  // Suspended or not is the state's (doc.status); the reason and the time are the event's.
  if (doc.status !== 'suspended') doc = doc.suspension === null ? doc : { ...doc, suspension: null };
  else if (event.type === 'UserSuspended') doc = { ...doc, suspension: { reason: event.data.reason ?? null, suspended_on: at } };
  switch (event.type) {
    case 'UserImported':
      return doc.sources.includes('import') ? doc : { ...doc, sources: [...doc.sources, 'import'] };
    case 'UserSignInSucceeded':
      return signedIn(doc, event.data, at);
    default:
      return doc;
  }
}

/** When: the counts are the state's (docFromState), the times the event's. */
function signedIn(doc: UserDoc, data: { identityId?: string; orgCode?: string }, at: string): UserDoc {
  return {
    ...doc,
    identities: doc.identities.map((i) => (i.id === data.identityId ? { ...i, last_login_on: at } : i)),
    last_signed_in: at,
    last_organization_sign_ins: data.orgCode ? { ...doc.last_organization_sign_ins, [data.orgCode]: at } : doc.last_organization_sign_ins,
  };
}
