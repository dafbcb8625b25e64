import type { Knex } from 'knex';
import { queryError } from '../../domain/errors';
import { streams } from '../../domain/streams';
import type { EventStore } from '../../eventstore/types';
import { eventTime } from '../support';
import { evolveUserDoc, type UserDoc } from '../users/projection';
import { catalogIds, loadCatalog, userDetailOf, type UserDetail } from '../users/queries';

/**
 * Time travel: the user as they were at a moment, folded from their stream (no
 * read model involved). Events count when they happened at or before `asOf`
 * (by the command's time). Roles and permissions are named from the current
 * catalogue.
 *
 * Returns undefined when the user did not exist yet (or was deleted) at that time.
 */
export async function userDocAsOf(store: EventStore, userId: string, asOf: string): Promise<UserDoc | undefined> {
  const t = new Date(asOf);
  if (Number.isNaN(t.getTime())) throw queryError('invalid', 'INVALID_REQUEST', 'as_of must be an ISO 8601 time');
  const events = await store.readStream(streams.user(userId));
  let doc: UserDoc | undefined;
  for (const e of events) {
    if (new Date(eventTime(e)).getTime() > t.getTime()) continue;
    doc = evolveUserDoc(doc, e, userId);
  }
  return doc && doc.status !== 'deleted' ? doc : undefined;
}

/** `GET /api/v1/user?id=…&as_of=…`: the user detail as of that time, or USER_NOT_FOUND. */
export async function userAsOf(store: EventStore, knex: Knex, userId: string, asOf: string): Promise<UserDetail> {
  const doc = await userDocAsOf(store, userId, asOf);
  if (!doc) throw queryError('not_found', 'USER_NOT_FOUND', `No user with id ${userId} at ${asOf}`);
  return userDetailOf(doc, await loadCatalog(knex, catalogIds(doc)));
}
