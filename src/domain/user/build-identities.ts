import { assertEnterpriseExclusive, identityIdFor, isContactIdentity, normalizeIdentity, validateIdentityValue, type Identity, type IdentityInput } from './identity';

// Shared by the user decider and the import decider (its own module so neither imports the other).

const sameIdentity = (a: { type: string; identity: string }, b: { type: string; identity: string }) =>
  a.type === b.type && normalizeIdentity(a.type, a.identity) === normalizeIdentity(b.type, b.identity);

/**
 * Validates identity inputs and turns them into identities: duplicates (same
 * type and normalized value) collapse, enterprise is exclusive, and the first
 * contact identity becomes primary when the user has none yet.
 */
export function buildIdentities(userId: string, existing: readonly Identity[], inputs: readonly IdentityInput[], makePrimary = false): Identity[] {
  const added: Identity[] = [];
  for (const input of inputs) {
    validateIdentityValue(input.type, input.identity);
    if (existing.some((i) => sameIdentity(i, input)) || added.some((i) => sameIdentity(i, input))) continue;
    added.push({
      id: identityIdFor(userId, input.type, input.identity),
      type: input.type,
      identity: input.identity,
      isVerified: input.isVerified ?? false,
      isPrimary: false,
      ...(input.provider !== undefined ? { provider: input.provider } : {}),
      ...(input.profile !== undefined ? { profile: input.profile } : {}),
    });
  }
  assertEnterpriseExclusive([...existing, ...added].map((i) => i.type));
  const hasPrimary = existing.some((i) => i.isPrimary);
  const primaryIndex = makePrimary ? added.findIndex((i) => isContactIdentity(i.type)) : hasPrimary ? -1 : firstContactIndex(added);
  return added.map((i, idx) => (idx === primaryIndex ? { ...i, isPrimary: true } : i));
}

export function firstContactIndex(identities: readonly Identity[]): number {
  const email = identities.findIndex((i) => i.type === 'email');
  return email >= 0 ? email : identities.findIndex((i) => i.type === 'phone');
}
