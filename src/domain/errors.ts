/**
 * What kind of refusal an error is. Nothing below `src/http` knows an HTTP
 * status: an error carries a kind and a stable code, and `src/http/errors.ts`
 * maps the kind to a status in one table (ZITADEL's zerrors).
 */
export type ErrorKind = 'invalid' | 'not_found' | 'conflict' | 'forbidden' | 'unauthenticated' | 'rate_limited' | 'too_large' | 'unsupported_media_type' | 'unavailable';

/** Every refusal Roster means to give: a kind, a stable upper-case code, a message without secrets. */
export class RosterError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    /** Safe, non-secret details (a field name, an id). */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'RosterError';
  }
}

/** A refusal from a read-model query (bad filter, bad paging token, nothing found). */
export const queryError = (kind: ErrorKind, code: string, message: string) => new RosterError(kind, code, message);

/**
 * Every broken domain rule is a DomainError with a stable code; its kind
 * follows from the code (KIND_BY_CODE). Messages never carry secrets or hashes.
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

const KIND_BY_CODE: Record<DomainErrorCode, ErrorKind> = {
  EMAIL_TAKEN: 'conflict',
  USERNAME_TAKEN: 'conflict',
  PHONE_TAKEN: 'conflict',
  PROVIDED_ID_TAKEN: 'conflict',
  ORG_EXTERNAL_ID_TAKEN: 'conflict',
  ROLE_KEY_TAKEN: 'conflict',
  PERMISSION_KEY_TAKEN: 'conflict',
  SUBSCRIBER_EMAIL_TAKEN: 'conflict',
  SOCIAL_IDENTITY_TAKEN: 'conflict',
  ENTERPRISE_IDENTITY_TAKEN: 'conflict',
  PROPERTY_KEY_TAKEN: 'conflict',
  USER_NOT_FOUND: 'not_found',
  USER_ALREADY_EXISTS: 'conflict',
  ORGANIZATION_NOT_FOUND: 'not_found',
  ORGANIZATION_ALREADY_EXISTS: 'conflict',
  ROLE_NOT_FOUND: 'not_found',
  ROLE_ALREADY_EXISTS: 'conflict',
  PERMISSION_NOT_FOUND: 'not_found',
  PERMISSION_ALREADY_EXISTS: 'conflict',
  SUBSCRIBER_NOT_FOUND: 'not_found',
  SUBSCRIBER_ALREADY_EXISTS: 'conflict',
  PROPERTY_NOT_FOUND: 'not_found',
  IDENTITY_NOT_FOUND: 'not_found',
  MFA_FACTOR_NOT_FOUND: 'not_found',
  // a deleted user is gone for every caller (Kinde answers 404)
  USER_DELETED: 'not_found',
  USER_ACCESS_REVOKED: 'invalid',
  USER_SUSPENDED: 'forbidden',
  USER_NOT_SUSPENDED: 'invalid',
  USER_NOT_IN_ORGANIZATION: 'invalid',
  USER_NEEDS_ORGANIZATION: 'invalid',
  IDENTITY_INVALID: 'invalid',
  IDENTITY_REQUIRED: 'invalid',
  ENTERPRISE_IDENTITY_EXCLUSIVE: 'invalid',
  IDENTITY_NOT_CONTACT: 'invalid',
  LAST_IDENTITY: 'invalid',
  PASSWORD_TOO_WEAK: 'invalid',
  PASSWORD_INVALID: 'invalid',
  SELF_SIGN_UP_DISABLED: 'invalid',
  POLICY_ACCEPTANCE_REQUIRED: 'invalid',
  POLICY_URL_NOT_SET: 'invalid',
  DEFAULT_ORGANIZATION_PROTECTED: 'invalid',
  CONVERSION_NEEDS_ONE_ORGANIZATION: 'invalid',
  VALIDATION_FAILED: 'invalid',
  CONCURRENCY_CONFLICT: 'conflict',
};

export class DomainError extends RosterError {
  declare readonly code: DomainErrorCode;
  constructor(code: DomainErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(KIND_BY_CODE[code], code, message, details);
    this.name = 'DomainError';
  }
}
