import { DomainError } from '../errors';
import { assertNever, type Command, type Decider } from '../shared';
import type { RoleEvent } from './events';

export type RoleState =
  | { readonly status: 'none' }
  | {
      readonly status: 'active';
      readonly roleId: string;
      readonly key: string;
      readonly name: string;
      readonly description?: string;
      readonly assignToNewUsers: boolean;
      readonly permissionIds: readonly string[];
    }
  | { readonly status: 'deleted'; readonly roleId: string; readonly key: string };

export type RoleCommand =
  | Command<'CreateRole', { roleId: string; key: string; name: string; description?: string; assignToNewUsers?: boolean; permissionIds: readonly string[] }>
  | Command<'UpdateRole', { key?: string; name?: string; description?: string | null; assignToNewUsers?: boolean }>
  | Command<'DeleteRole', Record<string, never>>
  | Command<'AddPermissionToRole', { permissionId: string; permissionExists: boolean }>
  | Command<'RemovePermissionFromRole', { permissionId: string }>;

type Active = Extract<RoleState, { status: 'active' }>;

function active(state: RoleState): Active {
  if (state.status !== 'active') throw new DomainError('ROLE_NOT_FOUND', 'role not found');
  return state;
}

export function evolveRole(state: RoleState, event: RoleEvent): RoleState {
  switch (event.type) {
    case 'RoleCreated': {
      const { roleId, key, name, description, assignToNewUsers, permissionIds } = event.data;
      return { status: 'active', roleId, key, name, assignToNewUsers, permissionIds: [...permissionIds], ...(description !== undefined ? { description } : {}) };
    }
    case 'RoleUpdated': {
      if (state.status !== 'active') return state;
      const { key, name, description, assignToNewUsers } = event.data;
      const next: Record<string, unknown> = {
        ...state,
        ...(key !== undefined ? { key } : {}),
        ...(name !== undefined ? { name } : {}),
        ...(assignToNewUsers !== undefined ? { assignToNewUsers } : {}),
      };
      if (description === null) delete next.description;
      else if (description !== undefined) next.description = description;
      return next as Active;
    }
    case 'RoleDeleted':
      return state.status === 'active' ? { status: 'deleted', roleId: state.roleId, key: state.key } : state;
    case 'PermissionAddedToRole':
      return state.status === 'active' ? { ...state, permissionIds: [...new Set([...state.permissionIds, event.data.permissionId])] } : state;
    case 'PermissionRemovedFromRole':
      return state.status === 'active' ? { ...state, permissionIds: state.permissionIds.filter((p) => p !== event.data.permissionId) } : state;
    default:
      return assertNever(event, 'role event');
  }
}

export function decideRole(command: RoleCommand, state: RoleState): RoleEvent[] {
  switch (command.type) {
    case 'CreateRole': {
      if (state.status !== 'none') throw new DomainError('ROLE_ALREADY_EXISTS', 'role already exists');
      const { roleId, key, name, description, assignToNewUsers, permissionIds } = command.data;
      if (key === '' || name.trim() === '') throw new DomainError('VALIDATION_FAILED', 'a role needs a name and a key');
      return [
        {
          type: 'RoleCreated',
          data: { roleId, key, name, assignToNewUsers: assignToNewUsers ?? false, permissionIds: [...new Set(permissionIds)], ...(description !== undefined ? { description } : {}) },
        },
      ];
    }
    case 'UpdateRole': {
      const role = active(state);
      const d = command.data;
      const data: { key?: string; name?: string; description?: string | null; assignToNewUsers?: boolean } = {};
      if (d.key !== undefined && d.key !== role.key) {
        if (d.key === '') throw new DomainError('VALIDATION_FAILED', 'role key cannot be empty', { field: 'key' });
        data.key = d.key;
      }
      if (d.name !== undefined && d.name !== role.name) data.name = d.name;
      if (d.description !== undefined && (d.description ?? undefined) !== role.description) data.description = d.description;
      if (d.assignToNewUsers !== undefined && d.assignToNewUsers !== role.assignToNewUsers) data.assignToNewUsers = d.assignToNewUsers;
      return Object.keys(data).length === 0 ? [] : [{ type: 'RoleUpdated', data }];
    }
    case 'DeleteRole': {
      if (state.status === 'deleted') return [];
      const role = active(state);
      return [{ type: 'RoleDeleted', data: { key: role.key } }];
    }
    case 'AddPermissionToRole': {
      const role = active(state);
      if (!command.data.permissionExists) throw new DomainError('PERMISSION_NOT_FOUND', 'permission not found', { permissionId: command.data.permissionId });
      if (role.permissionIds.includes(command.data.permissionId)) return [];
      return [{ type: 'PermissionAddedToRole', data: { permissionId: command.data.permissionId } }];
    }
    case 'RemovePermissionFromRole': {
      const role = active(state);
      if (!role.permissionIds.includes(command.data.permissionId)) return [];
      return [{ type: 'PermissionRemovedFromRole', data: { permissionId: command.data.permissionId } }];
    }
    default:
      return assertNever(command, 'role command');
  }
}

export const roleDecider: Decider<RoleCommand, RoleEvent, RoleState> = {
  initialState: () => ({ status: 'none' }),
  evolve: evolveRole,
  decide: decideRole,
};
