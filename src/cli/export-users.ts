import type { Knex } from 'knex';
import { streams } from '../domain/streams';
import { userDecider } from '../domain/user/decider';
import type { EventStore } from '../eventstore/types';
import { viewName } from '../projections/projection';
import { organizationsProjection } from '../projections/organizations/projection';
import { permissionsProjection } from '../projections/permissions/projection';
import { rolesProjection } from '../projections/roles/projection';
import { usersProjection } from '../projections/users/projection';
import { foldRecorded } from '../commands/handle';
import type { KindeNdjsonUser } from '../commands/import/parse';

/**
 * Every user as Kinde NDJSON — the format `roster import` reads — with identities,
 * organizations (by external id), roles and permissions (by key), properties,
 * feature flags and password hashes: how users move between environments.
 *
 * The user list comes from the users read model (ids only, keyset order); each
 * user's content is folded from its own event stream, so the export is exact even
 * if a read model lags. Organizations without an external id cannot be referenced
 * from a file: their members are exported without them (the default organization
 * is where an import puts users anyway).
 */
export async function* exportUsers(store: EventStore, knex: Knex, options: { batchSize?: number } = {}): AsyncGenerator<KindeNdjsonUser> {
  const batchSize = options.batchSize ?? 500;
  const [orgRows, roleRows, permissionRows] = await Promise.all([
    knex<{ id: string; external_id: string | null }>(viewName(organizationsProjection, 'organizations')).select('id', 'external_id'),
    knex<{ id: string; key: string; deleted: boolean }>(viewName(rolesProjection, 'roles')).where({ deleted: false }).select('id', 'key'),
    knex<{ id: string; key: string; deleted: boolean }>(viewName(permissionsProjection, 'permissions')).where({ deleted: false }).select('id', 'key'),
  ]);
  const orgExternal = new Map<string, string | null>(orgRows.map((r) => [r.id, r.external_id]));
  const roleKey = new Map<string, string>(roleRows.map((r) => [r.id, r.key]));
  const permissionKey = new Map<string, string>(permissionRows.map((r) => [r.id, r.key]));

  const users = viewName(usersProjection, 'users');
  let after = '';
  for (;;) {
    const ids = (await knex<{ id: string }>(users).where('id', '>', after).orderBy('id').limit(batchSize).select('id')).map((r) => r.id);
    if (!ids.length) return;
    after = ids.at(-1)!;
    const read = await store.readStreams(ids.map((id) => streams.user(id)));
    for (const id of ids) {
      const state = foldRecorded(userDecider, read.get(streams.user(id)) ?? []).state;
      if (state.status === 'none' || state.status === 'deleted') continue;
      const line: KindeNdjsonUser = {
        ...(state.providedId !== undefined ? { id: state.providedId } : {}),
        ...(state.firstName !== undefined ? { first_name: state.firstName } : {}),
        ...(state.lastName !== undefined ? { last_name: state.lastName } : {}),
        identities: state.identities.map((i) => ({
          type: i.type,
          identity: i.identity,
          is_verified: i.isVerified,
          ...(i.provider !== undefined ? { provider: i.provider } : {}),
          ...(i.profile !== undefined ? { profile: i.profile } : {}),
        })),
        organizations: Object.entries(state.organizations).flatMap(([code, access]) => {
          const external = orgExternal.get(code);
          if (!external) return [];
          return [
            {
              external_id: external,
              roles: access.roleIds.flatMap((r) => (roleKey.has(r) ? [roleKey.get(r)!] : [])),
              permissions: access.permissionIds.flatMap((p) => (permissionKey.has(p) ? [permissionKey.get(p)!] : [])),
            },
          ];
        }),
        properties: Object.entries(state.properties).map(([key, value]) => ({ key, value })),
        feature_flags: Object.entries(state.featureFlags).map(([key, value]) => ({ key, value })),
        ...(state.password && !state.password.isTemporary
          ? {
              password: {
                hashed_password: state.password.stored.hash,
                hashing_algorithm: state.password.stored.method,
                ...(state.password.stored.salt !== undefined ? { salt: state.password.stored.salt } : {}),
                ...(state.password.stored.salt_position !== undefined ? { salt_position: state.password.stored.salt_position } : {}),
                ...(state.password.stored.salt_format !== undefined ? { salt_format: state.password.stored.salt_format } : {}),
                // Roster's extension (scrypt fields, Firebase project keys), read back by the Kinde NDJSON import.
                ...(state.password.stored.params !== undefined ? { params: state.password.stored.params } : {}),
              },
            }
          : {}),
      };
      yield line;
    }
  }
}
