import { DomainError } from '../errors';
import { assertNever, type Command, type Decider } from '../shared';
import type { SubscriberEvent } from './events';

export type SubscriberState =
  | { readonly status: 'none' }
  | {
      readonly status: 'subscribed';
      readonly subscriberId: string;
      readonly email: string;
      readonly firstName?: string;
      readonly lastName?: string;
      /** Set once converted: "the contact will now appear on the All users list, but will also remain a subscriber". */
      readonly userId?: string;
    }
  | { readonly status: 'deleted'; readonly subscriberId: string };

export type SubscriberCommand =
  | Command<'AddSubscriber', { subscriberId: string; email: string; firstName?: string; lastName?: string }>
  | Command<'ConvertSubscriberToUser', { userId: string; orgCodes: readonly string[] }>
  | Command<'DeleteSubscriber', Record<string, never>>;

export function evolveSubscriber(state: SubscriberState, event: SubscriberEvent): SubscriberState {
  switch (event.type) {
    case 'SubscriberAdded': {
      const { subscriberId, email, firstName, lastName } = event.data;
      return { status: 'subscribed', subscriberId, email, ...(firstName !== undefined ? { firstName } : {}), ...(lastName !== undefined ? { lastName } : {}) };
    }
    case 'SubscriberConvertedToUser':
      return state.status === 'subscribed' ? { ...state, userId: event.data.userId } : state;
    case 'SubscriberDeleted':
      return state.status === 'subscribed' ? { status: 'deleted', subscriberId: state.subscriberId } : state;
    default:
      return assertNever(event, 'subscriber event');
  }
}

export function decideSubscriber(command: SubscriberCommand, state: SubscriberState): SubscriberEvent[] {
  switch (command.type) {
    case 'AddSubscriber': {
      if (state.status !== 'none') throw new DomainError('SUBSCRIBER_ALREADY_EXISTS', 'subscriber already exists');
      const { subscriberId, email, firstName, lastName } = command.data;
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new DomainError('IDENTITY_INVALID', 'invalid email', { field: 'email' });
      return [{ type: 'SubscriberAdded', data: { subscriberId, email, ...(firstName !== undefined ? { firstName } : {}), ...(lastName !== undefined ? { lastName } : {}) } }];
    }
    case 'ConvertSubscriberToUser': {
      if (state.status !== 'subscribed') throw new DomainError('SUBSCRIBER_NOT_FOUND', 'subscriber not found');
      // "You can only select one [organization]."
      if (command.data.orgCodes.length !== 1) {
        throw new DomainError('CONVERSION_NEEDS_ONE_ORGANIZATION', 'a subscriber is converted into exactly one organization');
      }
      if (state.userId !== undefined) return [];
      return [{ type: 'SubscriberConvertedToUser', data: { userId: command.data.userId, orgCode: command.data.orgCodes[0]! } }];
    }
    case 'DeleteSubscriber':
      if (state.status === 'deleted') return [];
      if (state.status !== 'subscribed') throw new DomainError('SUBSCRIBER_NOT_FOUND', 'subscriber not found');
      return [{ type: 'SubscriberDeleted', data: { email: state.email } }];
    default:
      return assertNever(command, 'subscriber command');
  }
}

export const subscriberDecider: Decider<SubscriberCommand, SubscriberEvent, SubscriberState> = {
  initialState: () => ({ status: 'none' }),
  evolve: evolveSubscriber,
  decide: decideSubscriber,
};
