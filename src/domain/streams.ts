import type { ReservationKind } from './reservation/events';

/** Stream names, in one place. Streams are `<category>-<id>`. */
export const streams = {
  user: (userId: string) => `user-${userId}`,
  organization: (orgCode: string) => `organization-${orgCode}`,
  role: (roleId: string) => `role-${roleId}`,
  permission: (permissionId: string) => `permission-${permissionId}`,
  subscriber: (subscriberId: string) => `subscriber-${subscriberId}`,
  property: (key: string) => `property-${key}`,
  businessSettings: () => 'business-settings',
  /** `value` must already be normalized (see reservationValue). */
  reservation: (kind: ReservationKind, value: string) => `${kind}-${value}`,
} as const;

/** The normalized value a reservation is keyed by: emails and usernames are case-insensitive; keys exact. */
export function reservationValue(kind: ReservationKind, value: string): string {
  switch (kind) {
    case 'email':
    case 'username':
    case 'subscriber_email':
      return value.trim().toLowerCase();
    case 'phone':
    case 'social_identity':
    case 'enterprise_identity':
    case 'provided_id':
    case 'org_external_id':
    case 'role_key':
    case 'permission_key':
      return value;
    default: {
      const never: never = kind;
      return never;
    }
  }
}
