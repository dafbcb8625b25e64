/** Identities longer than this match no user (an email is at most 320 characters). */
export const MAX_IDENTITY_LENGTH = 320;

/** The identity as the rate limiter and the failure stream key it: trimmed, lowercased, bounded. */
export function identityKey(identity: string): string {
  return identity.trim().toLowerCase().slice(0, MAX_IDENTITY_LENGTH);
}
