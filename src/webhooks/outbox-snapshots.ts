import type { Knex } from 'knex';
import type { RecordedEvent } from '../eventstore/types';
import type { OrganizationSnapshot, PermissionSnapshot, RoleSnapshot } from './kinde-events';

/**
 * The outbox's snapshots: what payloads need (a user.updated carries the whole
 * user and names its role keys; organization.updated carries the organization).
 * Each row is a JSON state with the stream revision it was folded to, so
 * replaying an event already folded changes nothing. Roles, permissions and
 * organizations are folded here; users in outbox-user-snapshots.ts.
 */
export interface Folded<T> {
  readonly state: T;
  readonly revision: number;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The rows of `table` whose key is in `keys`, or every row (roles and permissions are few: tens to hundreds). */
export async function loadSnapshots<T>(db: Knex.Transaction, table: string, keyColumn: string, keys: readonly string[] | 'all'): Promise<Map<string, Folded<T>>> {
  const out = new Map<string, Folded<T>>();
  const add = (rows: Record<string, unknown>[]) => {
    for (const r of rows) out.set(String(r[keyColumn]), { state: r.state as T, revision: Number(r.revision) });
  };
  if (keys === 'all') add(await db(table).select(keyColumn, 'state', 'revision'));
  else for (const part of chunk(keys, 5000)) add(await db(table).whereRaw('?? = any(?::text[])', [keyColumn, part]).select(keyColumn, 'state', 'revision'));
  return out;
}

export async function saveSnapshots(db: Knex.Transaction, table: string, keyColumn: string, entries: ReadonlyMap<string, Folded<unknown>>, dirty: ReadonlySet<string>): Promise<void> {
  const rows = [...dirty].flatMap((k) => {
    const f = entries.get(k);
    return f ? [{ [keyColumn]: k, state: JSON.stringify(f.state), revision: f.revision }] : [];
  });
  for (const part of chunk(rows, 2000)) await db(table).insert(part).onConflict(keyColumn).merge(['state', 'revision']);
}

/** A role or permission after an update: the key, name and description it gives (a null description removes it). */
function withKeyNameDescription(prev: object, d: Record<string, unknown>): Record<string, unknown> {
  const next: Record<string, unknown> = { ...prev };
  if (typeof d.key === 'string') next.key = d.key;
  if (typeof d.name === 'string') next.name = d.name;
  if (d.description === null) delete next.description;
  else if (typeof d.description === 'string') next.description = d.description;
  return next;
}

export function evolveRole(prev: RoleSnapshot | undefined, e: RecordedEvent): RoleSnapshot | undefined {
  const d = e.data as Record<string, unknown>;
  const id = e.streamId.slice('role-'.length);
  switch (e.type) {
    case 'RoleCreated':
      return { id, key: String(d.key), name: String(d.name), ...(typeof d.description === 'string' ? { description: d.description } : {}), isDefault: d.assignToNewUsers === true };
    case 'RoleUpdated': {
      if (!prev) return prev;
      const next = withKeyNameDescription(prev, d);
      if (typeof d.assignToNewUsers === 'boolean') next.isDefault = d.assignToNewUsers;
      return next as unknown as RoleSnapshot;
    }
    case 'RoleDeleted':
      return prev ? { ...prev, deleted: true } : prev;
    default:
      return prev;
  }
}

export function evolvePermission(prev: PermissionSnapshot | undefined, e: RecordedEvent): PermissionSnapshot | undefined {
  const d = e.data as Record<string, unknown>;
  const id = e.streamId.slice('permission-'.length);
  switch (e.type) {
    case 'PermissionCreated':
      return { id, key: String(d.key), name: String(d.name), ...(typeof d.description === 'string' ? { description: d.description } : {}) };
    case 'PermissionUpdated':
      return prev ? (withKeyNameDescription(prev, d) as unknown as PermissionSnapshot) : prev;
    case 'PermissionDeleted':
      return prev ? { ...prev, deleted: true } : prev;
    default:
      return prev;
  }
}

export function evolveOrganization(prev: OrganizationSnapshot | undefined, e: RecordedEvent): OrganizationSnapshot | undefined {
  const d = e.data as Record<string, unknown>;
  const code = e.streamId.slice('organization-'.length);
  switch (e.type) {
    case 'OrganizationCreated':
      return { code, name: String(d.name), ...(typeof d.externalId === 'string' ? { externalId: d.externalId } : {}) };
    case 'OrganizationUpdated': {
      if (!prev) return prev;
      const next: Record<string, unknown> = { ...prev };
      if (typeof d.name === 'string') next.name = d.name;
      if (d.externalId === null) delete next.externalId;
      else if (typeof d.externalId === 'string') next.externalId = d.externalId;
      return next as unknown as OrganizationSnapshot;
    }
    case 'OrganizationDeleted':
      return prev ? { ...prev, deleted: true } : prev;
    default:
      return prev;
  }
}
