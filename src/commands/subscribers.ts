import { DomainError } from '../domain/errors';
import { streams } from '../domain/streams';
import { subscriberDecider } from '../domain/subscriber/decider';
import type { SubscriberEvent } from '../domain/subscriber/events';
import type { EventStore } from '../eventstore/types';
import type { CommandContext } from './context';
import { handleCommand, handleCommandWithReservations, loadState, type CommandResult } from './handle';
import { createUser } from './users';

export async function addSubscriber(
  store: EventStore,
  ctx: CommandContext,
  input: { email: string; firstName?: string; lastName?: string },
): Promise<CommandResult<SubscriberEvent> & { subscriberId: string }> {
  const subscriberId = ctx.newId.uuid();
  const result = await handleCommandWithReservations(store, streams.subscriber(subscriberId), subscriberDecider, { type: 'AddSubscriber', data: { ...input, subscriberId } }, ctx, {
    ownerId: subscriberId,
    changesOf: (events) => events.flatMap((e) => (e.type === 'SubscriberAdded' ? [{ action: 'claim' as const, kind: 'subscriber_email' as const, value: e.data.email.trim().toLowerCase() }] : [])),
  });
  return { ...result, subscriberId };
}

/**
 * "Select the organization the user will belong to. You can only select one."
 * Creates the user (email identity, names) in that organization; the person stays a subscriber.
 */
export async function convertSubscriberToUser(store: EventStore, ctx: CommandContext, subscriberId: string, orgCodes: readonly string[]): Promise<{ userId: string }> {
  const { state } = await loadState(store, streams.subscriber(subscriberId), subscriberDecider);
  if (state.status !== 'subscribed') throw new DomainError('SUBSCRIBER_NOT_FOUND', 'subscriber not found');
  if (orgCodes.length !== 1) throw new DomainError('CONVERSION_NEEDS_ONE_ORGANIZATION', 'a subscriber is converted into exactly one organization');
  if (state.userId) return { userId: state.userId };
  const { userId } = await createUser(store, ctx, {
    identities: [{ type: 'email', identity: state.email }],
    orgCodes,
    ...(state.firstName !== undefined ? { firstName: state.firstName } : {}),
    ...(state.lastName !== undefined ? { lastName: state.lastName } : {}),
  });
  await handleCommand(store, streams.subscriber(subscriberId), subscriberDecider, { type: 'ConvertSubscriberToUser', data: { userId, orgCodes } }, ctx);
  return { userId };
}

export function deleteSubscriber(store: EventStore, ctx: CommandContext, subscriberId: string): Promise<CommandResult<SubscriberEvent>> {
  return handleCommandWithReservations(store, streams.subscriber(subscriberId), subscriberDecider, { type: 'DeleteSubscriber', data: {} }, ctx, {
    ownerId: subscriberId,
    changesOf: (events) => events.flatMap((e) => (e.type === 'SubscriberDeleted' ? [{ action: 'release' as const, kind: 'subscriber_email' as const, value: e.data.email.trim().toLowerCase() }] : [])),
  });
}
