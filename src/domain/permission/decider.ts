import { DomainError } from '../errors';
import { assertNever, type Command, type Decider } from '../shared';
import type { PermissionEvent } from './events';

export type PermissionState =
  | { readonly status: 'none' }
  | {
      readonly status: 'active';
      readonly permissionId: string;
      readonly key: string;
      readonly name: string;
      readonly description?: string;
      readonly addToNewRoles: boolean;
    }
  | { readonly status: 'deleted'; readonly permissionId: string; readonly key: string };

export type PermissionCommand =
  | Command<'CreatePermission', { permissionId: string; key: string; name: string; description?: string; addToNewRoles?: boolean }>
  | Command<'UpdatePermission', { key?: string; name?: string; description?: string | null; addToNewRoles?: boolean }>
  | Command<'DeletePermission', Record<string, never>>;

type Active = Extract<PermissionState, { status: 'active' }>;

export function evolvePermission(state: PermissionState, event: PermissionEvent): PermissionState {
  switch (event.type) {
    case 'PermissionCreated': {
      const { permissionId, key, name, description, addToNewRoles } = event.data;
      return { status: 'active', permissionId, key, name, addToNewRoles, ...(description !== undefined ? { description } : {}) };
    }
    case 'PermissionUpdated': {
      if (state.status !== 'active') return state;
      const { key, name, description, addToNewRoles } = event.data;
      const next: Record<string, unknown> = {
        ...state,
        ...(key !== undefined ? { key } : {}),
        ...(name !== undefined ? { name } : {}),
        ...(addToNewRoles !== undefined ? { addToNewRoles } : {}),
      };
      if (description === null) delete next.description;
      else if (description !== undefined) next.description = description;
      return next as Active;
    }
    case 'PermissionDeleted':
      return state.status === 'active' ? { status: 'deleted', permissionId: state.permissionId, key: state.key } : state;
    default:
      return assertNever(event, 'permission event');
  }
}

export function decidePermission(command: PermissionCommand, state: PermissionState): PermissionEvent[] {
  switch (command.type) {
    case 'CreatePermission': {
      if (state.status !== 'none') throw new DomainError('PERMISSION_ALREADY_EXISTS', 'permission already exists');
      const { permissionId, key, name, description, addToNewRoles } = command.data;
      if (key === '' || name.trim() === '') throw new DomainError('VALIDATION_FAILED', 'a permission needs a name and a key');
      return [{ type: 'PermissionCreated', data: { permissionId, key, name, addToNewRoles: addToNewRoles ?? false, ...(description !== undefined ? { description } : {}) } }];
    }
    case 'UpdatePermission': {
      if (state.status !== 'active') throw new DomainError('PERMISSION_NOT_FOUND', 'permission not found');
      const d = command.data;
      const data: { key?: string; name?: string; description?: string | null; addToNewRoles?: boolean } = {};
      if (d.key !== undefined && d.key !== state.key) {
        if (d.key === '') throw new DomainError('VALIDATION_FAILED', 'permission key cannot be empty', { field: 'key' });
        data.key = d.key;
      }
      if (d.name !== undefined && d.name !== state.name) data.name = d.name;
      if (d.description !== undefined && (d.description ?? undefined) !== state.description) data.description = d.description;
      if (d.addToNewRoles !== undefined && d.addToNewRoles !== state.addToNewRoles) data.addToNewRoles = d.addToNewRoles;
      return Object.keys(data).length === 0 ? [] : [{ type: 'PermissionUpdated', data }];
    }
    case 'DeletePermission':
      if (state.status === 'deleted') return [];
      if (state.status !== 'active') throw new DomainError('PERMISSION_NOT_FOUND', 'permission not found');
      return [{ type: 'PermissionDeleted', data: { key: state.key } }];
    default:
      return assertNever(command, 'permission command');
  }
}

export const permissionDecider: Decider<PermissionCommand, PermissionEvent, PermissionState> = {
  initialState: () => ({ status: 'none' }),
  evolve: evolvePermission,
  decide: decidePermission,
};
