import { userEventSchemas, type UserEvent } from '../domain/user/events';
import { evolveUser, initialUserState } from '../domain/user/state';
import type { EventStore, RecordedEvent } from '../eventstore/types';
import type { UserSnapshot } from './kinde-events';
import type { Folded } from './outbox-snapshots';

/**
 * Users' snapshots are a cache, not a fold of every user: a user gets one when a
 * webhook receives one of its events that carries the whole user (user.created,
 * user.updated), and from then on it is kept current with each of its events. A
 * million imported users no webhook asked for cost no snapshot at all.
 *
 * When a received event needs a user that has no snapshot (say, a webhook
 * created after the user), the state is folded in memory from the stream's
 * first event when the batch holds it, else read from the event store: the
 * user's events before the batch's first one, folded with the domain's own
 * `evolveUser` (one fold per aggregate).
 */
export type CachedUser = Folded<UserSnapshot>;

const isUserEvent = (e: RecordedEvent) => Object.prototype.hasOwnProperty.call(userEventSchemas, e.type);

/** The password never leaves the event store. */
function stripSecrets(state: UserSnapshot): UserSnapshot {
  if (state.status === 'none' || state.status === 'deleted') return state;
  const { password: _password, ...rest } = state;
  return rest;
}

/** The user after `e` (a user stream's event; types that are not user events change nothing). */
export function foldUserEvent(user: CachedUser, e: RecordedEvent): CachedUser {
  const state = isUserEvent(e) ? stripSecrets(evolveUser(user.state, { type: e.type, data: e.data } as UserEvent)) : user.state;
  return { state, revision: e.revision };
}

/** Before a stream's first event. */
export const newUser = (): CachedUser => ({ state: initialUserState(), revision: -1 });

/** For each user id, its state just before revision `before`, folded from the event store (one read for all). */
export async function foldUsersFromStore(store: EventStore, before: ReadonlyMap<string, number>): Promise<Map<string, CachedUser>> {
  const out = new Map<string, CachedUser>();
  if (before.size === 0) return out;
  const streams = await store.readStreams([...before.keys()].map((id) => `user-${id}`));
  for (const [id, revision] of before) {
    let user = newUser();
    for (const e of streams.get(`user-${id}`) ?? []) {
      if (e.revision >= revision) break;
      user = foldUserEvent(user, e);
    }
    out.set(id, user);
  }
  return out;
}
