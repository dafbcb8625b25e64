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

/** The unique value of an identity: email, username and phone by value; social and enterprise by type and subject. */
export function identityReservation(identity: Pick<Identity, 'type' | 'identity'>): { kind: ReservationKind; value: string } {
  const kind = identityKind(identity.type);
  const value = normalizeIdentity(identity.type, identity.identity);
  if (kind === 'email' || kind === 'username' || kind === 'phone') return { kind, value };
  return { kind: kind === 'social' ? 'social_identity' : 'enterprise_identity', value: `${identity.type}|${value}` };
}

/**
 * The reservations a user event needs: email, username, phone and provided id
 * are unique per deployment. The handler (and the import step) append these in
 * the same call as the user events.
 */
export function userReservationChanges(event: UserEvent): ReservationChange[] {
  const claimIdentities = (identities: readonly Identity[]) => identities.map((i) => ({ action: 'claim' as const, ...identityReservation(i) }));
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
    case 'IdentityDeleted':
      return [{ action: 'release', ...identityReservation(event.data) }];
    case 'UserDeleted':
      return [
        ...event.data.releasedEmails.map((value) => ({ action: 'release' as const, kind: 'email' as const, value })),
        ...event.data.releasedUsernames.map((value) => ({ action: 'release' as const, kind: 'username' as const, value })),
        ...event.data.releasedPhones.map((value) => ({ action: 'release' as const, kind: 'phone' as const, value })),
        ...(event.data.releasedProvidedId !== undefined ? [{ action: 'release' as const, kind: 'provided_id' as const, value: event.data.releasedProvidedId }] : []),
        ...(event.data.releasedIdentities ?? []).map((i) => ({ action: 'release' as const, ...identityReservation(i) })),
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
