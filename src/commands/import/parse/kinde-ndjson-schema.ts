import { z } from 'zod';

/**
 * One line of a Kinde NDJSON file: the schema of the docs ("Import users via CSV or
 * JSON", "Move users between Kinde environments"). `roster export` writes exactly
 * this type, so export and import share it. Unknown members are stripped (zod's
 * default), so they never reach a record.
 */
const KeyValue = z.object({ key: z.string().min(1), value: z.string() });

export const KindeNdjsonPasswordSchema = z.object({
  salt: z.string().nullish(),
  salt_format: z.enum(['hex', 'string']).nullish(),
  salt_position: z.enum(['prefix', 'suffix']).nullish(),
  hashed_password: z.string().nullish(),
  // Left as a string: an unsupported algorithm is a PASSWORD_NOT_IMPORTED
  // warning ("the user is imported and must reset"), not a malformed line.
  hashing_algorithm: z.string().nullish(),
  /** Roster's extension: parameters not in the hash string (scrypt n/r/p/key_length, firebase_scrypt project keys). */
  params: z.record(z.string(), z.union([z.string(), z.number()])).nullish(),
});

export const KindeNdjsonIdentitySchema = z.object({
  // Checked against IDENTITY_TYPES by the validator, so that an unknown type is
  // INVALID_FIELD (as issue 4 says) rather than MALFORMED_JSON.
  type: z.string(),
  identity: z.string(),
  is_verified: z.boolean().optional(),
  provider: z.string().optional(),
  profile: z.record(z.string(), z.unknown()).optional(),
});

export const KindeNdjsonOrganizationSchema = z.object({
  external_id: z.string().min(1),
  roles: z.array(z.string()).optional(),
  permissions: z.array(z.string()).optional(),
  scopes: z.array(z.object({ audience: z.string(), scope: z.string() })).optional(),
});

export const KindeNdjsonUserSchema = z.object({
  id: z.string().optional(),
  password: KindeNdjsonPasswordSchema.nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  identities: z.array(KindeNdjsonIdentitySchema).optional(),
  properties: z.array(KeyValue).optional(),
  feature_flags: z.array(KeyValue).optional(),
  organizations: z.array(KindeNdjsonOrganizationSchema).optional(),
});

export type KindeNdjsonUser = z.infer<typeof KindeNdjsonUserSchema>;
