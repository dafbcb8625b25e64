import { userDecider } from '../../domain/user/decider';
import type { UserEvent } from '../../domain/user/events';
import type { ExistingUser } from '../../domain/user/state';
import { streams } from '../../domain/streams';
import type { EventStore, RecordedEvent } from '../../eventstore/types';
import { queryError } from '../../domain/errors';

/**
 * Time travel and single-user reads, one path: one user, answered from its
 * event stream (the aggregate folded), with the
 * times only the recorded events know: when the user, each identity and each
 * MFA factor appeared, and the last sign-in. Used for single-user reads, where
 * folding one stream is cheap and always current.
 */
export interface UserView {
  readonly user: ExistingUser;
  readonly createdOn: string;
  readonly identityCreatedOn: Readonly<Record<string, string>>;
  readonly identityLastLogin: Readonly<Record<string, string>>;
  readonly factorCreatedOn: Readonly<Record<string, string>>;
  readonly lastSignedIn: string | null;
  readonly orgLastSignIn: Readonly<Record<string, string>>;
}

const when = (e: RecordedEvent) => e.metadata?.occurredAt ?? e.recordedAt.toISOString();

export function foldUserView(recorded: readonly RecordedEvent[]): UserView | undefined {
  let state = userDecider.initialState();
  let createdOn = '';
  const identityCreatedOn: Record<string, string> = {};
  const identityLastLogin: Record<string, string> = {};
  const factorCreatedOn: Record<string, string> = {};
  const orgLastSignIn: Record<string, string> = {};
  let lastSignedIn: string | null = null;
  for (const r of recorded) {
    const event = { type: r.type, data: r.data } as UserEvent;
    const before = state.status;
    state = userDecider.evolve(state, event);
    const at = when(r);
    if (before === 'none' && state.status !== 'none') createdOn = at;
    if (state.status === 'none' || state.status === 'deleted') continue;
    for (const i of state.identities) identityCreatedOn[i.id] ??= at;
    for (const f of state.mfaFactors) factorCreatedOn[f.factorId] ??= at;
    if (event.type === 'UserSignInSucceeded') {
      lastSignedIn = at;
      const d = event.data as { identityId?: string; orgCode?: string };
      if (d.identityId) identityLastLogin[d.identityId] = at;
      if (d.orgCode) orgLastSignIn[d.orgCode] = at;
    }
  }
  if (state.status === 'none' || state.status === 'deleted') return undefined;
  return { user: state, createdOn, identityCreatedOn, identityLastLogin, factorCreatedOn, lastSignedIn, orgLastSignIn };
}

/**
 * The user, or 404 (unknown or deleted). With `asOf` (time travel), the user as
 * they were then: only events that happened at or before that time are folded.
 */
export async function loadUserView(store: EventStore, userId: string, asOf?: Date): Promise<UserView> {
  const recorded = /^kp_[0-9a-f]{32}$/.test(userId) ? await store.readStream(streams.user(userId)) : [];
  const upTo = asOf ? recorded.filter((r) => new Date(r.metadata.occurredAt ?? r.recordedAt).getTime() <= asOf.getTime()) : recorded;
  const view = upTo.length ? foldUserView(upTo) : undefined;
  if (!view) throw queryError('not_found', 'USER_NOT_FOUND', 'User not found');
  return view;
}
