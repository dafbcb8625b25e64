import type { ReservationKind } from '../reservation/events';
import { assertNever } from '../shared';
import type { UserEvent } from './events';
import { identityKind, normalizeIdentity, type Identity } from './identity';

/** A uniqueness claim or release an event implies. `value` is normalized. */
export interface ReservationChange {
  readonly action: 'claim' | 'release';
  readonly kind: ReservationKind;
  readonly value: string;
}

function identityReservation(identity: Pick<Identity, 'type' | 'identity'>): { kind: ReservationKind; value: string } | undefined {
  const kind = identityKind(identity.type);
  if (kind === 'email' || kind === 'username' || kind === 'phone') return { kind, value: normalizeIdentity(identity.type, identity.identity) };
  return undefined;
}

/**
 * The reservations a user event needs: email, username, phone and provided id
 * are unique per deployment. The handler (and the import step) append these in
 * the same call as the user events.
 */
export function userReservationChanges(event: UserEvent): ReservationChange[] {
  const claimIdentities = (identities: readonly Identity[]) =>
    identities.flatMap((i) => {
      const r = identityReservation(i);
      return r ? [{ action: 'claim' as const, ...r }] : [];
    });
  switch (event.type) {
    case 'UserCreated':
    case 'UserSignedUp':
    case 'UserImported': {
      const out = claimIdentities(event.data.identities);
      if (event.data.providedId !== undefined) out.push({ action: 'claim', kind: 'provided_id', value: event.data.providedId });
      return out;
    }
    case 'IdentityAdded':
      return claimIdentities([event.data.identity]);
    case 'IdentityDeleted': {
      const r = identityReservation(event.data);
      return r ? [{ action: 'release', ...r }] : [];
    }
    case 'UserDeleted':
      return [
        ...event.data.releasedEmails.map((value) => ({ action: 'release' as const, kind: 'email' as const, value })),
        ...event.data.releasedUsernames.map((value) => ({ action: 'release' as const, kind: 'username' as const, value })),
        ...event.data.releasedPhones.map((value) => ({ action: 'release' as const, kind: 'phone' as const, value })),
        ...(event.data.releasedProvidedId !== undefined ? [{ action: 'release' as const, kind: 'provided_id' as const, value: event.data.releasedProvidedId }] : []),
      ];
    case 'UserUpdated':
    case 'UserSuspended':
    case 'UserRestored':
    case 'UserAccessRevoked':
    case 'UserPasswordResetRequested':
    case 'UserPasswordSet':
    case 'UserTemporaryPasswordSet':
    case 'UserPasswordUpgraded':
    case 'UserPasswordVerified':
    case 'IdentityMadePrimary':
    case 'UserPropertySet':
    case 'FeatureFlagOverrideSet':
    case 'MfaFactorEnrolled':
    case 'MfaOptedOut':
    case 'MfaFactorReset':
    case 'PolicyAccepted':
    case 'UserAddedToOrganization':
    case 'UserRemovedFromOrganization':
    case 'RoleAssignedToUser':
    case 'RoleRemovedFromUser':
    case 'PermissionGrantedToUser':
    case 'PermissionRevokedFromUser':
    case 'UserSignInSucceeded':
    case 'UserSignInFailed':
      return [];
    default:
      return assertNever(event, 'user event');
  }
}
