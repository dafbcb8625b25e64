import { describe, expect, it } from 'vitest';
import { addIdentities, deleteIdentity, makeIdentityPrimary, primaryOfType, type PrimaryFlag } from '../../src/domain/user/identity-list';

/** The identity-list rules every fold of user events shares (aggregate, users read model, audit emails). */
type Row = { id: string; type: string; identity: string; primary: boolean };
const flag: PrimaryFlag<Row> = { isPrimary: (i) => i.primary, withPrimary: (i, primary) => ({ ...i, primary }) };
const a: Row = { id: 'a', type: 'email', identity: 'a@example.com', primary: true };
const b: Row = { id: 'b', type: 'email', identity: 'b@example.com', primary: false };
const u: Row = { id: 'u', type: 'username', identity: 'ann', primary: false };

describe('identity list', () => {
  it('a primary newcomer demotes the others', () => {
    expect(addIdentities([a, u], [{ ...b, primary: true }], flag).map((i) => [i.id, i.primary])).toEqual([
      ['a', false],
      ['u', false],
      ['b', true],
    ]);
  });
  it('an identity already present is not added twice, and does not demote anyone', () => {
    expect(addIdentities([a], [{ ...a, primary: true }, u], flag)).toEqual([a, u]);
  });
  it('deleting the primary promotes the identity the decider chose', () => {
    expect(deleteIdentity([a, b], 'a', 'b', flag)).toEqual([{ ...b, primary: true }]);
  });
  it('making one primary leaves exactly one primary', () => {
    expect(
      makeIdentityPrimary([a, b], 'b', flag)
        .filter(flag.isPrimary)
        .map((i) => i.id),
    ).toEqual(['b']);
  });
  it('the preferred value is the primary of the type, else the first of it', () => {
    expect(primaryOfType([b, a], 'email', flag)).toBe('a@example.com');
    expect(primaryOfType([u], 'username', flag)).toBe('ann');
    expect(primaryOfType([u], 'phone', flag)).toBeUndefined();
  });
});
