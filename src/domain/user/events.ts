import { z } from 'zod';
import { IsoDateSchema, OrgCodeSchema, PermissionIdSchema, RoleIdSchema, UserIdSchema, type DomainEvent } from '../shared';
import { IdentitySchema } from './identity';

/**
 * The user stream `user-kp_<32 hex>`: profile, identities, memberships with the
 * role ids and permission ids held per organization, passwords, MFA, policies,
 * sign-in attempts. Stored event types are never renamed or reshaped: add
 * optional fields only.
 */

// ---- shared pieces --------------------------------------------------------------

/**
 * The hashing methods the docs name, the further families import accepts, and
 * `bcrypt_hmac_sha384`, the hash new and upgraded passwords get. The one list:
 * src/passwords' HASHING_METHODS is this enum's options.
 */
export const PasswordMethodSchema = z.enum([
  'bcrypt',
  'crypt',
  'md5',
  'sha256',
  'wordpress',
  'argon2',
  'scrypt',
  'firebase_scrypt',
  'pbkdf2',
  'sha1',
  'sha512',
  'ldap',
  'bcrypt_sha256',
  'apr1',
  'drupal7',
  'bcrypt_hmac_sha384',
]);

/** A stored password: a hash and how to check it. Never a plain-text password. */
export const StoredPasswordSchema = z.object({
  method: PasswordMethodSchema,
  hash: z.string().min(1),
  salt: z.string().optional(),
  salt_position: z.enum(['prefix', 'suffix']).optional(),
  salt_format: z.enum(['string', 'hex']).optional(),
  /** Parameters not in the hash string (scrypt as separate fields, firebase_scrypt). */
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
export type StoredPassword = z.infer<typeof StoredPasswordSchema>;

export const MembershipSchema = z.object({
  orgCode: OrgCodeSchema,
  roleIds: z.array(RoleIdSchema),
  permissionIds: z.array(PermissionIdSchema),
});

/** MFA is set per environment or per organization. */
export const MfaScopeSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('environment') }), z.object({ type: z.literal('organization'), orgCode: OrgCodeSchema })]);
export type MfaScope = z.infer<typeof MfaScopeSchema>;
export const MfaMethodSchema = z.enum(['authenticator_app', 'email', 'sms', 'recovery_codes']);
export type MfaMethod = z.infer<typeof MfaMethodSchema>;

export const PolicySchema = z.enum(['terms', 'privacy']);
export type Policy = z.infer<typeof PolicySchema>;

const Names = {
  firstName: z.string().max(255).optional(),
  lastName: z.string().max(255).optional(),
  picture: z.string().max(2048).optional(),
};

// ---- event data schemas ------------------------------------------------------------

export const UserCreatedData = z.object({
  userId: UserIdSchema,
  ...Names,
  /** The caller's own id for the user (`provided_id`), unique per deployment. */
  providedId: z.string().min(1).max(255).optional(),
  identities: z.array(IdentitySchema),
  /** Each with the default roles applied at creation. */
  organizations: z.array(MembershipSchema),
});

/** Self-serve sign-up: same shape as UserCreated (metadata.source is `self`). */

/**
 * One event carrying everything an import row brought. For a new user it is the
 * whole record; on a re-import of an existing user it carries only what changes
 * (see decideImport), so evolve applies it as a patch. Provenance: metadata.import.
 */
export const UserImportedData = z.object({
  userId: UserIdSchema,
  /** true when this event created the user. */
  isNew: z.boolean(),
  /** `merge`: fields are added only; `update`: fields overwrite. */
  mode: z.enum(['merge', 'update']),
  providedId: z.string().min(1).max(255).optional(),
  ...Names,
  /** Identities added (never edited). */
  identities: z.array(IdentitySchema),
  /** Memberships to add, with role ids and permission ids to add in each. */
  organizations: z.array(MembershipSchema),
  /** Property values set (key -> value). */
  properties: z.record(z.string(), z.string()),
  /** Feature flag overrides set (key -> value). */
  featureFlags: z.record(z.string(), z.string()),
  password: StoredPasswordSchema.optional(),
  /** `password_verified=TRUE`: the imported password may be used without a one-time code first. */
  passwordVerified: z.boolean().optional(),
  /** The account's creation time at the previous provider, when known. */
  createdAtSource: z.string().optional(),
});

export const UserUpdatedData = z.object({
  /** Only the fields that changed; null clears a value. */
  firstName: z.string().max(255).nullable().optional(),
  lastName: z.string().max(255).nullable().optional(),
  picture: z.string().max(2048).nullable().optional(),
});

export const UserSuspendedData = z.object({ reason: z.string().max(1000).optional() });
export const UserRestoredData = z.object({});
/** "Remove the user's access and ability to sign in to all organizations, but leave their profile." */
export const UserAccessRevokedData = z.object({ removedFromOrganizations: z.array(OrgCodeSchema) });
/** "Completely remove the user record, including access and all subscriber lists." Frees email, username, phone, provided id. */
export const UserDeletedData = z.object({
  removedFromOrganizations: z.array(OrgCodeSchema),
  releasedEmails: z.array(z.string()),
  releasedUsernames: z.array(z.string()),
  releasedPhones: z.array(z.string()),
  releasedProvidedId: z.string().optional(),
  /** Social and enterprise identities freed with the profile (added later: absent on older events). */
  releasedIdentities: z.array(z.object({ type: z.string(), identity: z.string() })).optional(),
});

export const UserPasswordResetRequestedData = z.object({});
export const UserPasswordSetData = z.object({
  password: StoredPasswordSchema,
  /** Single use: the user must set a new password after the first sign-in with it. */
  isTemporary: z.boolean(),
});
/** An admin typed a temporary password; only its hash is stored. Single use. */
export const UserTemporaryPasswordSetData = z.object({ password: StoredPasswordSchema });
/** After the first successful sign-in with an imported hash, the hash is replaced by a modern one. */
export const UserPasswordUpgradedData = z.object({ password: StoredPasswordSchema, fromMethod: PasswordMethodSchema });
/** The user proved ownership with a one-time code; an imported password not marked verified becomes usable. */
export const UserPasswordVerifiedData = z.object({ identityId: z.string().optional() });

export const IdentityAddedData = z.object({ identity: IdentitySchema });
export const IdentityDeletedData = z.object({
  identityId: z.string(),
  type: IdentitySchema.shape.type,
  identity: z.string(),
  /** When the primary was deleted, the contact identity that became primary. */
  newPrimaryIdentityId: z.string().optional(),
});
export const IdentityMadePrimaryData = z.object({ identityId: z.string(), previousPrimaryIdentityId: z.string().optional() });

/** value null removes the property value. */
export const UserPropertySetData = z.object({ key: z.string().min(1).max(255), value: z.string().max(10_000).nullable() });
/** value null removes the override (the flag's default applies again). */
export const FeatureFlagOverrideSetData = z.object({ key: z.string().min(1).max(255), value: z.string().max(1000).nullable() });

export const MfaFactorEnrolledData = z.object({ factorId: z.string().min(1), method: MfaMethodSchema, scope: MfaScopeSchema });
export const MfaOptedOutData = z.object({ scope: MfaScopeSchema });
/** One method removed in one scope; `scopeFullyReset` when no method is left there (the user must set up MFA again). */
export const MfaFactorResetData = z.object({
  factorId: z.string().min(1),
  method: MfaMethodSchema,
  scope: MfaScopeSchema,
  scopeFullyReset: z.boolean(),
  /** The user had opted out of MFA in this scope and will be asked to opt in again. */
  optInRequired: z.boolean(),
});

export const PolicyAcceptedData = z.object({
  policy: PolicySchema,
  url: z.string().min(1).max(2048),
  version: z.string().max(255).optional(),
  acceptedAt: IsoDateSchema,
});

export const UserAddedToOrganizationData = z.object({
  orgCode: OrgCodeSchema,
  /** Default roles of the organization applied on joining. */
  roleIds: z.array(RoleIdSchema),
});
export const UserRemovedFromOrganizationData = z.object({ orgCode: OrgCodeSchema });
export const RoleAssignedToUserData = z.object({ orgCode: OrgCodeSchema, roleId: RoleIdSchema });
export const RoleRemovedFromUserData = z.object({ orgCode: OrgCodeSchema, roleId: RoleIdSchema });
export const PermissionGrantedToUserData = z.object({ orgCode: OrgCodeSchema, permissionId: PermissionIdSchema });
export const PermissionRevokedFromUserData = z.object({ orgCode: OrgCodeSchema, permissionId: PermissionIdSchema });

export const SignInFailureReasonSchema = z.enum([
  'wrong_password',
  /** No user holds the identity (recorded on a `sign_in_failure-…` stream, not a user stream). */
  'unknown_identity',
  'no_password',
  'password_not_verified',
  'password_reset_required',
  'temporary_password_already_used',
  'user_suspended',
  'access_revoked',
  'unsupported_hash',
  'rate_limited',
  'other',
]);
export type SignInFailureReason = z.infer<typeof SignInFailureReasonSchema>;

const SignInContext = {
  /** The identity used to sign in (id and type; value for the audit log). */
  identityId: z.string().optional(),
  identityType: IdentitySchema.shape.type.optional(),
  identity: z.string().optional(),
  method: z.enum(['password', 'temporary_password', 'social', 'enterprise', 'otp']),
  ip: z.string().optional(),
  userAgent: z.string().optional(),
  application: z.string().optional(),
  orgCode: OrgCodeSchema.optional(),
};
export const UserSignInSucceededData = z.object(SignInContext);
export const UserSignInFailedData = z.object({ ...SignInContext, reason: SignInFailureReasonSchema });

// ---- the catalogue -----------------------------------------------------------------

export const userEventSchemas = {
  UserCreated: UserCreatedData,
  UserSignedUp: UserCreatedData,
  UserImported: UserImportedData,
  UserUpdated: UserUpdatedData,
  UserSuspended: UserSuspendedData,
  UserRestored: UserRestoredData,
  UserAccessRevoked: UserAccessRevokedData,
  UserDeleted: UserDeletedData,
  UserPasswordResetRequested: UserPasswordResetRequestedData,
  UserPasswordSet: UserPasswordSetData,
  UserTemporaryPasswordSet: UserTemporaryPasswordSetData,
  UserPasswordUpgraded: UserPasswordUpgradedData,
  UserPasswordVerified: UserPasswordVerifiedData,
  IdentityAdded: IdentityAddedData,
  IdentityDeleted: IdentityDeletedData,
  IdentityMadePrimary: IdentityMadePrimaryData,
  UserPropertySet: UserPropertySetData,
  FeatureFlagOverrideSet: FeatureFlagOverrideSetData,
  MfaFactorEnrolled: MfaFactorEnrolledData,
  MfaOptedOut: MfaOptedOutData,
  MfaFactorReset: MfaFactorResetData,
  PolicyAccepted: PolicyAcceptedData,
  UserAddedToOrganization: UserAddedToOrganizationData,
  UserRemovedFromOrganization: UserRemovedFromOrganizationData,
  RoleAssignedToUser: RoleAssignedToUserData,
  RoleRemovedFromUser: RoleRemovedFromUserData,
  PermissionGrantedToUser: PermissionGrantedToUserData,
  PermissionRevokedFromUser: PermissionRevokedFromUserData,
  UserSignInSucceeded: UserSignInSucceededData,
  UserSignInFailed: UserSignInFailedData,
} as const;

type Schemas = typeof userEventSchemas;
export type UserEventType = keyof Schemas;
export type UserEvent = { [K in UserEventType]: DomainEvent<K, z.infer<Schemas[K]>> }[UserEventType];
export type UserEventOf<K extends UserEventType> = Extract<UserEvent, { type: K }>;
export const USER_EVENT_TYPES = Object.keys(userEventSchemas) as UserEventType[];
