import { DomainError, type DomainErrorCode } from '../errors';
import { assertNever, type Command, type Decider } from '../shared';
import type { ReservationEvent, ReservationKind } from './events';

export type ReservationState = { readonly status: 'free' } | { readonly status: 'reserved'; readonly kind: ReservationKind; readonly value: string; readonly ownerId: string };

export type ReservationCommand = Command<'ClaimReservation', { kind: ReservationKind; value: string; ownerId: string }> | Command<'ReleaseReservation', { ownerId: string }>;

export const TAKEN_CODES: Readonly<Record<ReservationKind, DomainErrorCode>> = {
  email: 'EMAIL_TAKEN',
  username: 'USERNAME_TAKEN',
  phone: 'PHONE_TAKEN',
  provided_id: 'PROVIDED_ID_TAKEN',
  org_external_id: 'ORG_EXTERNAL_ID_TAKEN',
  role_key: 'ROLE_KEY_TAKEN',
  permission_key: 'PERMISSION_KEY_TAKEN',
  subscriber_email: 'SUBSCRIBER_EMAIL_TAKEN',
  social_identity: 'SOCIAL_IDENTITY_TAKEN',
  enterprise_identity: 'ENTERPRISE_IDENTITY_TAKEN',
};

const LABELS: Readonly<Record<ReservationKind, string>> = {
  email: 'email',
  username: 'username',
  phone: 'phone number',
  provided_id: 'provided id',
  org_external_id: 'organization external id',
  role_key: 'role key',
  permission_key: 'permission key',
  subscriber_email: 'subscriber email',
  social_identity: 'social identity',
  enterprise_identity: 'enterprise identity',
};

export function takenError(kind: ReservationKind): DomainError {
  return new DomainError(TAKEN_CODES[kind], `this ${LABELS[kind]} is already in use`, { kind });
}

export function evolveReservation(state: ReservationState, event: ReservationEvent): ReservationState {
  switch (event.type) {
    case 'ReservationClaimed':
      return { status: 'reserved', kind: event.data.kind, value: event.data.value, ownerId: event.data.ownerId };
    case 'ReservationReleased':
      return state.status === 'reserved' && state.ownerId === event.data.ownerId ? { status: 'free' } : state;
    default:
      return assertNever(event, 'reservation event');
  }
}

/** Claiming what you already own, or releasing what you do not own, changes nothing. */
export function decideReservation(command: ReservationCommand, state: ReservationState): ReservationEvent[] {
  switch (command.type) {
    case 'ClaimReservation': {
      const { kind, value, ownerId } = command.data;
      if (state.status === 'reserved') {
        if (state.ownerId === ownerId) return [];
        throw takenError(kind);
      }
      return [{ type: 'ReservationClaimed', data: { kind, value, ownerId } }];
    }
    case 'ReleaseReservation':
      if (state.status !== 'reserved' || state.ownerId !== command.data.ownerId) return [];
      return [{ type: 'ReservationReleased', data: { ownerId: command.data.ownerId } }];
    default:
      return assertNever(command, 'reservation command');
  }
}

export const reservationDecider: Decider<ReservationCommand, ReservationEvent, ReservationState> = {
  initialState: () => ({ status: 'free' }),
  evolve: evolveReservation,
  decide: decideReservation,
};
