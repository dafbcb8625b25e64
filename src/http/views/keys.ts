import { loadState } from '../../commands/handle';
import { reservationDecider } from '../../domain/reservation/decider';
import { reservationStream } from '../../domain/streams';
import type { EventStore } from '../../eventstore/types';
import { HttpError } from '../errors';

/**
 * Role and permission keys -> ids, answered from the key reservations (the
 * owner of `role_key-<key>` is the role): current without a read model.
 */
export async function roleIdForKey(store: EventStore, key: string): Promise<string> {
  const { state } = await loadState(store, reservationStream('role_key', key), reservationDecider);
  if (state.status !== 'reserved') throw new HttpError(400, 'ROLE_NOT_FOUND', `No role with key "${key}"`);
  return state.ownerId;
}

export async function permissionIdForKey(store: EventStore, key: string): Promise<string> {
  const { state } = await loadState(store, reservationStream('permission_key', key), reservationDecider);
  if (state.status !== 'reserved') throw new HttpError(400, 'PERMISSION_NOT_FOUND', `No permission with key "${key}"`);
  return state.ownerId;
}
