import { loadState } from '../../commands/handle';
import { organizationDecider } from '../../domain/organization/decider';
import { permissionDecider } from '../../domain/permission/decider';
import { propertyDecider } from '../../domain/property/decider';
import { roleDecider } from '../../domain/role/decider';
import { streams } from '../../domain/streams';
import { subscriberDecider } from '../../domain/subscriber/decider';
import type { EventStore } from '../../eventstore/types';
import { HttpError } from '../errors';

/**
 * Single aggregates answered from their streams (always current, no read-model
 * lag): 404 in Kinde's error shape when absent or deleted.
 */
export async function activeOrganization(store: EventStore, orgCode: string) {
  const { state } = await loadState(store, streams.organization(orgCode), organizationDecider);
  if (state.status !== 'active') throw new HttpError('not_found', 'ORGANIZATION_NOT_FOUND', 'Organization not found');
  return state;
}

export async function activeRole(store: EventStore, roleId: string) {
  const { state } = await loadState(store, streams.role(roleId), roleDecider);
  if (state.status !== 'active') throw new HttpError('not_found', 'ROLE_NOT_FOUND', 'Role not found');
  return state;
}

export async function activePermission(store: EventStore, permissionId: string) {
  const { state } = await loadState(store, streams.permission(permissionId), permissionDecider);
  if (state.status !== 'active') throw new HttpError('not_found', 'PERMISSION_NOT_FOUND', 'Permission not found');
  return state;
}

export async function definedProperty(store: EventStore, key: string) {
  const { state } = await loadState(store, streams.property(key), propertyDecider);
  if (state.status !== 'defined') throw new HttpError('not_found', 'PROPERTY_NOT_FOUND', 'Property not found');
  return state;
}

export async function activeSubscriber(store: EventStore, subscriberId: string) {
  const { state } = await loadState(store, streams.subscriber(subscriberId), subscriberDecider);
  if (state.status !== 'subscribed') throw new HttpError('not_found', 'SUBSCRIBER_NOT_FOUND', 'Subscriber not found');
  return state;
}
