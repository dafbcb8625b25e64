import type { PermissionEvent } from '../../domain/permission/events';
import { permissionEventSchemas } from '../../domain/permission/events';
import { assertNever } from '../../domain/shared';
import { docProjection, eventTime } from '../support';

export interface PermissionDoc {
  id: string;
  key: string;
  name: string;
  description: string | null;
  add_to_new_roles: boolean;
  created_on: string;
  deleted: boolean;
}

const TYPES = new Set(Object.keys(permissionEventSchemas));

export const permissionsProjection = docProjection<PermissionDoc>('permissions', 1, {
  table: 'permissions',
  streamPrefix: 'permission-',
  columns(table) {
    table.text('key');
    table.text('name');
    table.boolean('deleted');
  },
  async setupExtra(db, t) {
    await db.raw('create index ?? on ?? (key)', [`${t('permissions')}_key_idx`, t('permissions')]);
  },
  evolve(doc, recorded, id) {
    if (!TYPES.has(recorded.type)) return doc;
    const event = { type: recorded.type, data: recorded.data } as PermissionEvent;
    if (event.type === 'PermissionCreated') {
      const d = event.data;
      return { id, key: d.key, name: d.name, description: d.description ?? null, add_to_new_roles: d.addToNewRoles, created_on: eventTime(recorded), deleted: false };
    }
    if (!doc) return doc;
    switch (event.type) {
      case 'PermissionUpdated': {
        const d = event.data;
        return {
          ...doc,
          key: d.key ?? doc.key,
          name: d.name ?? doc.name,
          description: d.description === undefined ? doc.description : d.description,
          add_to_new_roles: d.addToNewRoles ?? doc.add_to_new_roles,
        };
      }
      case 'PermissionDeleted':
        return { ...doc, deleted: true };
      default:
        return assertNever(event, 'permission event');
    }
  },
  row: (doc) => ({ key: doc.key, name: doc.name, deleted: doc.deleted }),
});
