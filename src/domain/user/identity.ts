import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DomainError } from '../errors';

/*
 * Kinde's identity types: `email`, `phone` (E.164), `username`, social
 * `oauth2:<provider>` and enterprise `enterprise:<connection>` (SAML, WS-Fed,
 * Entra ID… — one prefix for all enterprise connections).
 */
export const IdentityTypeSchema = z.union([
  z.enum(['email', 'phone', 'username']),
  z.string().regex(/^oauth2:[a-z0-9][a-z0-9_.-]*$/, 'social identity types look like oauth2:<provider>'),
  z.string().regex(/^enterprise:[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'enterprise identity types look like enterprise:<connection>'),
]);
export type IdentityType = z.infer<typeof IdentityTypeSchema>;

export type IdentityKind = 'email' | 'phone' | 'username' | 'social' | 'enterprise';

export function identityKind(type: IdentityType): IdentityKind {
  if (type === 'email' || type === 'phone' || type === 'username') return type;
  if (type.startsWith('oauth2:')) return 'social';
  return 'enterprise';
}

/** Contact identities can be primary (their value goes in the ID token). */
export function isContactIdentity(type: IdentityType): boolean {
  return type === 'email' || type === 'phone';
}

export const IdentitySchema = z.object({
  /** Deterministic: `identityIdFor(userId, type, normalized value)`. */
  id: z.string().min(1),
  type: IdentityTypeSchema,
  /** The value as given (an email keeps its case; lookups use `normalizeIdentity`). */
  identity: z.string().min(1).max(512),
  isVerified: z.boolean(),
  isPrimary: z.boolean(),
  /** Social and enterprise: the provider name (e.g. `google`). */
  provider: z.string().optional(),
  /** Optional key/value pairs returned from the provider. */
  profile: z.record(z.string(), z.unknown()).optional(),
});
export type Identity = z.infer<typeof IdentitySchema>;

/** What a command brings to add an identity (id and primary flag are decided by the decider). */
export const IdentityInputSchema = z.object({
  type: IdentityTypeSchema,
  identity: z.string().min(1).max(512),
  isVerified: z.boolean().optional(),
  provider: z.string().optional(),
  profile: z.record(z.string(), z.unknown()).optional(),
});
export type IdentityInput = z.infer<typeof IdentityInputSchema>;

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const E164_RE = /^\+[1-9]\d{6,14}$/;
const USERNAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Checks an identity value for its type; throws IDENTITY_INVALID. */
export function validateIdentityValue(type: IdentityType, value: string): void {
  const kind = identityKind(type);
  const ok = kind === 'email' ? EMAIL_RE.test(value) && value.length <= 320 : kind === 'phone' ? E164_RE.test(value) : kind === 'username' ? USERNAME_RE.test(value) : value.trim().length > 0;
  if (!ok) {
    const hint = kind === 'phone' ? ' (phone numbers must be in E.164 format, e.g. +61412345678)' : '';
    throw new DomainError('IDENTITY_INVALID', `invalid ${type} identity${hint}`, { type });
  }
}

/** The form used for uniqueness: emails and usernames are case-insensitive. */
export function normalizeIdentity(type: IdentityType, value: string): string {
  const kind = identityKind(type);
  switch (kind) {
    case 'email':
    case 'username':
      return value.trim().toLowerCase();
    case 'phone':
      return value.trim();
    case 'social':
    case 'enterprise':
      return value.trim();
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** Identity ids are derived, so the same identity gets the same id on a re-import. */
export function identityIdFor(userId: string, type: IdentityType, value: string): string {
  const h = createHash('sha256')
    .update(`${userId}\u0000${type}\u0000${normalizeIdentity(type, value)}`)
    .digest('hex');
  return `identity_${h.slice(0, 32)}`;
}

/**
 * "Users with enterprise identities in Kinde can't also have other identity types."
 * Throws ENTERPRISE_IDENTITY_EXCLUSIVE when `types` mixes enterprise with anything else.
 */
export function assertEnterpriseExclusive(types: readonly IdentityType[]): void {
  const enterprise = types.filter((t) => identityKind(t) === 'enterprise').length;
  if (enterprise > 0 && enterprise < types.length) {
    throw new DomainError('ENTERPRISE_IDENTITY_EXCLUSIVE', 'a user with an enterprise identity cannot have other identity types, and vice versa');
  }
}
