import type { Knex } from 'knex';
import type { RecordedEvent } from '../../eventstore/types';
import type { Projection, TableNames } from '../projection';
import { quote } from '../copy';
import { eventTime, insertRows, prepared, upsertRows } from '../support';

/**
 * The history of role grants: one row per (organization, role, user) period, with
 * when and by whom it began (`valid_from`, `granted_by_*`) and ended (`valid_to`,
 * `revoked_by_*`). Answers "who had this role in this organization at that moment,
 * and who gave it" with one indexed query.
 *
 * Idempotent: user events at or below a user's recorded revision are skipped
 * (`role_grant_progress`); role deletions only close grants still open.
 */
interface Grant {
  grant_id: string;
  org_code: string;
  role_id: string;
  user_id: string;
  valid_from: string;
  valid_to: null;
  granted_by_type: string;
  granted_by_id: string | null;
  granted_source: string;
  granted_event_id: string;
  how: string;
}

export const roleGrantsProjection: Projection = {
  name: 'role_grants',
  version: 1,
  lane: 'history',
  tables: ['role_grants', 'role_grant_progress'],
  async setup(db, t) {
    const g = t('role_grants');
    await db.raw(
      `create table ?? (
        grant_id text primary key,
        org_code text not null,
        role_id text not null,
        user_id text not null,
        valid_from timestamptz not null,
        valid_to timestamptz,
        granted_by_type text not null,
        granted_by_id text,
        granted_source text not null,
        granted_event_id uuid not null,
        how text not null,
        revoked_by_type text,
        revoked_by_id text,
        revoked_event_id uuid,
        revoked_how text
      )`,
      [g],
    );
    await db.raw('create unique index ?? on ?? (org_code, role_id, user_id) where valid_to is null', [`${g}_open_idx`, g]);
    await db.raw('create index ?? on ?? (user_id)', [`${g}_user_idx`, g]);
    await db.raw('create table ?? (user_id text primary key, last_revision bigint not null)', [t('role_grant_progress')]);
  },
  async indexes(db, t) {
    const g = t('role_grants');
    await db.raw('create index ?? on ?? (org_code, role_id, valid_from)', [`${g}_asof_idx`, g]);
  },
  async apply(db, events, t) {
    await applyGrants(db, events, t);
  },
};

const GRANTING = new Set(['UserCreated', 'UserSignedUp', 'UserImported', 'UserAddedToOrganization', 'RoleAssignedToUser']);
const CLOSING = new Set(['RoleRemovedFromUser', 'UserRemovedFromOrganization', 'UserAccessRevoked', 'UserDeleted']);

/** Whether a granting event names a role at all: most users are created or imported without one. */
function grantsARole(e: RecordedEvent): boolean {
  const d = e.data as { organizations?: { roleIds?: unknown[] }[]; roleIds?: unknown[] } | null;
  switch (e.type) {
    case 'UserAddedToOrganization':
      return (d?.roleIds?.length ?? 0) > 0;
    case 'RoleAssignedToUser':
      return true;
    default:
      return (d?.organizations ?? []).some((m) => (m.roleIds?.length ?? 0) > 0);
  }
}

/**
 * A granting event that names no role changes nothing here, applied once or again,
 * so it is not applied at all: no progress row is read or written for it. (A user
 * created without roles — most of an import, and most commands — costs this read
 * model no statement.) Every event that writes a grant still moves the user's
 * progress, so "no progress row, no grant rows" holds.
 */
const isRelevant = (e: RecordedEvent) => (e.streamId.startsWith('user-') && (CLOSING.has(e.type) || (GRANTING.has(e.type) && grantsARole(e)))) || e.type === 'RoleDeleted';

async function applyGrants(db: Knex.Transaction, events: readonly RecordedEvent[], t: TableNames) {
  const relevant = events.filter(isRelevant);
  if (relevant.length === 0) return;
  const g = t('role_grants');
  const userIds = [...new Set(relevant.filter((e) => e.streamId.startsWith('user-')).map((e) => e.streamId.slice(5)))];
  const progress = new Map<string, number>();
  if (userIds.length > 0) {
    const { rows } = await prepared<{ rows: { user_id: string; last_revision: number | string }[] }>(
      db,
      `select user_id, last_revision from ${quote(t('role_grant_progress'))} where user_id = any(?)`,
      [userIds],
    );
    for (const r of rows) progress.set(r.user_id, Number(r.last_revision));
  }
  const touched = new Set<string>();
  // A user with no progress row has no grant rows yet (both are written in one
  // transaction): their grants are checked against each other here and go in with
  // a plain COPY; the others through the partial unique index (ON CONFLICT DO NOTHING).
  const known = new Set(progress.keys());
  const openOfNew = new Set<string>();
  const grantKey = (userId: string, orgCode: string, roleId: string) => `${userId}\u0000${orgCode}\u0000${roleId}`;
  let pending: Grant[] = [];
  let pendingOfNew: Grant[] = [];
  const flush = async () => {
    await insertRows(db, g, pendingOfNew);
    // The partial unique index ignores a grant of a role the user already holds.
    await insertRows(db, g, pending, true);
    pending = [];
    pendingOfNew = [];
  };
  for (const e of relevant) {
    const at = eventTime(e);
    const by = { type: e.metadata?.actor?.type ?? 'system', id: e.metadata?.actor?.id ?? null };
    const close = async (where: { user_id?: string; org_code?: string; role_id?: string }, how: string, extra?: (q: Knex.QueryBuilder) => void) => {
      await flush();
      for (const k of openOfNew) {
        const [u, o, r] = k.split('\u0000');
        if ((where.user_id ?? u) === u && (where.org_code ?? o) === o && (where.role_id ?? r) === r) openOfNew.delete(k);
      }
      const q = db(g).where(where).whereNull('valid_to');
      extra?.(q);
      await q.update({ valid_to: at, revoked_by_type: by.type, revoked_by_id: by.id, revoked_event_id: e.id, revoked_how: how });
    };
    if (e.type === 'RoleDeleted') {
      await close({ role_id: e.streamId.slice('role-'.length) }, 'role_deleted');
      continue;
    }
    const userId = e.streamId.slice(5);
    if (e.revision <= (progress.get(userId) ?? -1)) continue;
    progress.set(userId, e.revision);
    touched.add(userId);
    const d = e.data as Record<string, unknown>;
    const grant = (orgCode: string, roleId: string, how: string) => {
      const ofNew = !known.has(userId);
      if (ofNew) {
        const k = grantKey(userId, orgCode, roleId);
        if (openOfNew.has(k)) return;
        openOfNew.add(k);
      }
      (ofNew ? pendingOfNew : pending).push({
        grant_id: `${e.id}:${orgCode}:${roleId}`,
        org_code: orgCode,
        role_id: roleId,
        user_id: userId,
        valid_from: at,
        valid_to: null,
        granted_by_type: by.type,
        granted_by_id: by.id,
        granted_source: e.metadata?.source ?? 'system',
        granted_event_id: e.id,
        how,
      });
    };
    switch (e.type) {
      case 'UserCreated':
      case 'UserSignedUp':
      case 'UserImported':
        for (const m of (d.organizations as { orgCode: string; roleIds: string[] }[]) ?? []) for (const r of m.roleIds) grant(m.orgCode, r, e.type === 'UserImported' ? 'imported' : 'created');
        break;
      case 'UserAddedToOrganization':
        for (const r of (d.roleIds as string[]) ?? []) grant(String(d.orgCode), r, 'joined');
        break;
      case 'RoleAssignedToUser':
        grant(String(d.orgCode), String(d.roleId), 'assigned');
        break;
      case 'RoleRemovedFromUser':
        await close({ user_id: userId, org_code: String(d.orgCode), role_id: String(d.roleId) }, 'removed');
        break;
      case 'UserRemovedFromOrganization':
        await close({ user_id: userId, org_code: String(d.orgCode) }, 'left_organization');
        break;
      case 'UserAccessRevoked':
        await close({ user_id: userId }, 'access_revoked');
        break;
      case 'UserDeleted':
        await close({ user_id: userId }, 'user_deleted');
        break;
    }
  }
  await flush();
  if (touched.size > 0)
    await upsertRows(
      db,
      t('role_grant_progress'),
      [...touched].map((user_id) => ({ user_id, last_revision: progress.get(user_id)! })),
      'user_id',
      known,
    );
}
