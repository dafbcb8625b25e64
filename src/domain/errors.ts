/**
 * Every broken domain rule is a DomainError with a stable code. The HTTP layer
 * maps codes to statuses in one place; messages never carry secrets or hashes.
 */
export const DOMAIN_ERROR_CODES = [
  // uniqueness (reservations)
  'EMAIL_TAKEN',
  'USERNAME_TAKEN',
  'PHONE_TAKEN',
  'PROVIDED_ID_TAKEN',
  'ORG_EXTERNAL_ID_TAKEN',
  'ROLE_KEY_TAKEN',
  'PERMISSION_KEY_TAKEN',
  'SUBSCRIBER_EMAIL_TAKEN',
  'SOCIAL_IDENTITY_TAKEN',
  'ENTERPRISE_IDENTITY_TAKEN',
  'PROPERTY_KEY_TAKEN',
  // existence
  'USER_NOT_FOUND',
  'USER_ALREADY_EXISTS',
  'ORGANIZATION_NOT_FOUND',
  'ORGANIZATION_ALREADY_EXISTS',
  'ROLE_NOT_FOUND',
  'ROLE_ALREADY_EXISTS',
  'PERMISSION_NOT_FOUND',
  'PERMISSION_ALREADY_EXISTS',
  'SUBSCRIBER_NOT_FOUND',
  'SUBSCRIBER_ALREADY_EXISTS',
  'PROPERTY_NOT_FOUND',
  'IDENTITY_NOT_FOUND',
  'MFA_FACTOR_NOT_FOUND',
  // user state
  'USER_DELETED',
  'USER_ACCESS_REVOKED',
  'USER_SUSPENDED',
  'USER_NOT_SUSPENDED',
  'USER_NOT_IN_ORGANIZATION',
  'USER_NEEDS_ORGANIZATION',
  // identities
  'IDENTITY_INVALID',
  'IDENTITY_REQUIRED',
  'ENTERPRISE_IDENTITY_EXCLUSIVE',
  'IDENTITY_NOT_CONTACT',
  'LAST_IDENTITY',
  // passwords and policies
  'PASSWORD_TOO_WEAK',
  'PASSWORD_INVALID',
  'SELF_SIGN_UP_DISABLED',
  'POLICY_ACCEPTANCE_REQUIRED',
  'POLICY_URL_NOT_SET',
  // organizations
  'DEFAULT_ORGANIZATION_PROTECTED',
  'CONVERSION_NEEDS_ONE_ORGANIZATION',
  // generic
  'VALIDATION_FAILED',
  'CONCURRENCY_CONFLICT',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Safe, non-secret details (a field name, an id). */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(err: unknown, code?: DomainErrorCode): err is DomainError {
  return err instanceof DomainError && (code === undefined || err.code === code);
}
