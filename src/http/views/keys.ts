import { uniqueKey, type EventStore } from '../../eventstore/types';
import { HttpError } from '../errors';

/**
 * Role and permission keys -> ids, answered from the store's unique values (the
 * owner of a `role_key` is the role): current without a read model.
 */
async function ownerOfKey(store: EventStore, kind: 'role_key' | 'permission_key', key: string): Promise<string | undefined> {
  return (await store.uniqueOwners([{ kind, value: key }])).get(uniqueKey(kind, key));
}

export async function roleIdForKey(store: EventStore, key: string): Promise<string> {
  const id = await ownerOfKey(store, 'role_key', key);
  if (id === undefined) throw new HttpError('invalid', 'ROLE_NOT_FOUND', `No role with key "${key}"`);
  return id;
}

export async function permissionIdForKey(store: EventStore, key: string): Promise<string> {
  const id = await ownerOfKey(store, 'permission_key', key);
  if (id === undefined) throw new HttpError('invalid', 'PERMISSION_NOT_FOUND', `No permission with key "${key}"`);
  return id;
}
