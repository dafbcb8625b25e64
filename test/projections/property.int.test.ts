import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { createOrganization, ensureDefaults } from '../../src/commands/organizations';
import { createPermission, createRole, deleteRole } from '../../src/commands/roles';
import { addSubscriber } from '../../src/commands/subscribers';
import * as users from '../../src/commands/users';
import { DomainError } from '../../src/domain/errors';
import { allProjections } from '../../src/all-projections';
import type { Projection } from '../../src/projections/projection';
import { startHarness, type Harness } from './harness';

/**
 * Property: whatever commands run, in whatever order, every read model equals a
 * fresh rebuild from the events, row for row. Workloads are random sequences of
 * commands through the real handlers (refused commands included: they must leave
 * no trace).
 */
type Step =
  | { kind: 'createUser'; email: number; org: number }
  | { kind: 'updateUser'; user: number; name: string }
  | { kind: 'suspend' | 'restore'; user: number }
  | { kind: 'delete'; user: number; extent: 'revoke_access' | 'delete_profile' }
  | { kind: 'join' | 'leave'; user: number; org: number }
  | { kind: 'assign' | 'unassign'; user: number; org: number; role: number }
  | { kind: 'grant'; user: number; org: number }
  | { kind: 'createRole'; key: number }
  | { kind: 'deleteRole'; role: number }
  | { kind: 'createOrg' }
  | { kind: 'property'; user: number; value: string }
  | { kind: 'subscribe'; email: number };

const idx = fc.nat({ max: 5 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('createUser' as const), email: idx, org: idx }),
  fc.record({ kind: fc.constant('updateUser' as const), user: idx, name: fc.string({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constantFrom('suspend' as const, 'restore' as const), user: idx }),
  fc.record({ kind: fc.constant('delete' as const), user: idx, extent: fc.constantFrom('revoke_access' as const, 'delete_profile' as const) }),
  fc.record({ kind: fc.constantFrom('join' as const, 'leave' as const), user: idx, org: idx }),
  fc.record({ kind: fc.constantFrom('assign' as const, 'unassign' as const), user: idx, org: idx, role: idx }),
  fc.record({ kind: fc.constant('grant' as const), user: idx, org: idx }),
  fc.record({ kind: fc.constant('createRole' as const), key: idx }),
  fc.record({ kind: fc.constant('deleteRole' as const), role: idx }),
  fc.record({ kind: fc.constant('createOrg' as const) }),
  fc.record({ kind: fc.constant('property' as const), user: idx, value: fc.string({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant('subscribe' as const), email: idx }),
);

describe('read models under random workloads (fast-check)', () => {
  let h: Harness;
  const ctx = createContext({ actor: { type: 'admin', id: 'prop' }, source: 'admin' });
  const world = { users: [] as string[], orgs: [] as string[], roles: [] as string[], permission: '' };
  let run = 0;

  beforeAll(async () => {
    h = await startHarness(allProjections);
    const { defaultOrgCode } = await ensureDefaults(h.db.store, ctx);
    world.orgs.push(defaultOrgCode);
    world.permission = (await createPermission(h.db.store, ctx, { key: 'perm', name: 'Perm' })).permissionId;
  }, 60_000);
  afterAll(async () => h?.close());

  const pick = <T>(list: readonly T[], i: number) => (list.length ? list[i % list.length] : undefined);

  async function apply(s: Step) {
    const { store } = h.db;
    const user = 'user' in s ? pick(world.users, s.user) : undefined;
    const org = 'org' in s ? pick(world.orgs, s.org) : undefined;
    switch (s.kind) {
      case 'createUser': {
        const r = await users.createUser(store, ctx, { identities: [{ type: 'email', identity: `u${s.email}@example.com` }], orgCodes: org ? [org] : [] });
        world.users.push(r.userId);
        return;
      }
      case 'updateUser':
        return user && users.updateUser(store, ctx, user, { firstName: s.name });
      case 'suspend':
        return user && users.suspendUser(store, ctx, user);
      case 'restore':
        return user && users.restoreUser(store, ctx, user);
      case 'delete':
        return user && users.deleteUser(store, ctx, user, s.extent);
      case 'join':
        return user && org && users.addUserToOrganization(store, ctx, user, org);
      case 'leave':
        return user && org && users.removeUserFromOrganization(store, ctx, user, org);
      case 'assign':
      case 'unassign': {
        const role = pick(world.roles, s.role);
        if (!user || !org || !role) return;
        return s.kind === 'assign' ? users.assignRole(store, ctx, user, org, role) : users.removeRole(store, ctx, user, org, role);
      }
      case 'grant':
        return user && org && users.grantPermission(store, ctx, user, org, world.permission);
      case 'createRole':
        world.roles.push((await createRole(store, ctx, { key: `role_${run}_${s.key}`, name: `Role ${s.key}`, permissionIds: [world.permission] })).roleId);
        return;
      case 'deleteRole': {
        const role = pick(world.roles, s.role);
        return role && deleteRole(store, ctx, role);
      }
      case 'createOrg':
        world.orgs.push((await createOrganization(store, ctx, { name: `Org ${world.orgs.length}` })).orgCode);
        return;
      case 'property':
        return user && users.setFeatureFlagOverride(store, ctx, user, 'flag', s.value || null);
      case 'subscribe':
        await addSubscriber(store, ctx, { email: `s${s.email}@example.com` });
        return;
    }
  }

  const snapshot = async (p: Projection) => {
    const out: Record<string, unknown[]> = {};
    for (const table of p.tables) out[table] = await h.db.knex(`${table}_v${p.version}`).select('*').orderByRaw('1, 2');
    return out;
  };

  it('every read model equals a rebuild from the events, whatever the workload', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 25 }), async (steps) => {
        run++;
        for (const s of steps) {
          try {
            await apply(s);
          } catch (err) {
            // A refused command is part of the workload; it must leave nothing behind.
            if (!(err instanceof DomainError)) throw err;
          }
        }
        await h.settle();
        for (const p of allProjections(h.db.store)) {
          const live = await snapshot(p);
          await h.projector.rebuild(p.name);
          expect(await snapshot(p), `${p.name} differs from its rebuild`).toEqual(live);
        }
      }),
      { numRuns: 6, endOnFailure: true },
    );
  }, 300_000);
});
