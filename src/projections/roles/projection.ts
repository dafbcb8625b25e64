import type { RoleEvent } from '../../domain/role/events';
import { roleEventSchemas } from '../../domain/role/events';
import { assertNever } from '../../domain/shared';
import { docProjection, eventTime } from '../support';

/** Roles with their permission ids. A deleted role keeps a row marked `deleted` (so a replay stays idempotent). */
export interface RoleDoc {
  id: string;
  key: string;
  name: string;
  description: string | null;
  is_default_role: boolean;
  permission_ids: string[];
  created_on: string;
  deleted: boolean;
}

const TYPES = new Set(Object.keys(roleEventSchemas));

export const rolesProjection = docProjection<RoleDoc>('roles', 1, {
  table: 'roles',
  streamPrefix: 'role-',
  columns(table) {
    table.text('key');
    table.text('name');
    table.boolean('deleted');
    table.specificType('permission_ids', 'text[]');
  },
  async setupExtra(db, t) {
    await db.raw('create index ?? on ?? (key)', [`${t('roles')}_key_idx`, t('roles')]);
  },
  evolve(doc, recorded, id) {
    if (!TYPES.has(recorded.type)) return doc;
    const event = { type: recorded.type, data: recorded.data } as RoleEvent;
    if (event.type === 'RoleCreated') {
      const d = event.data;
      return {
        id,
        key: d.key,
        name: d.name,
        description: d.description ?? null,
        is_default_role: d.assignToNewUsers,
        permission_ids: [...new Set(d.permissionIds)],
        created_on: eventTime(recorded),
        deleted: false,
      };
    }
    if (!doc) return doc;
    switch (event.type) {
      case 'RoleUpdated': {
        const d = event.data;
        return {
          ...doc,
          key: d.key ?? doc.key,
          name: d.name ?? doc.name,
          description: d.description === undefined ? doc.description : d.description,
          is_default_role: d.assignToNewUsers ?? doc.is_default_role,
        };
      }
      case 'RoleDeleted':
        return { ...doc, deleted: true };
      case 'PermissionAddedToRole':
        return { ...doc, permission_ids: [...new Set([...doc.permission_ids, event.data.permissionId])] };
      case 'PermissionRemovedFromRole':
        return { ...doc, permission_ids: doc.permission_ids.filter((p) => p !== event.data.permissionId) };
      default:
        return assertNever(event, 'role event');
    }
  },
  row: (doc) => ({ key: doc.key, name: doc.name, deleted: doc.deleted, permission_ids: doc.permission_ids }),
});
