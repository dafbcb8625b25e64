import { DomainError } from '../../errors';
import { assertNever, type Command } from '../../shared';
import type { UserEvent } from '../events';
import type { UserState } from '../state';
import { existing, member } from './guards';

// Memberships: adding a user to and removing them from organizations, their roles and permissions there.

export interface NewMembership {
  readonly orgCode: string;
  /** Default roles already resolved by the handler (business "assign to new users" + the organization's default roles). */
  readonly roleIds: readonly string[];
}

export type OrganizationCommand =
  | Command<'AddUserToOrganization', NewMembership>
  | Command<'RemoveUserFromOrganization', { orgCode: string }>
  | Command<'AssignRole', { orgCode: string; roleId: string; roleExists: boolean }>
  | Command<'RemoveRole', { orgCode: string; roleId: string }>
  | Command<'GrantPermission', { orgCode: string; permissionId: string; permissionExists: boolean }>
  | Command<'RevokePermission', { orgCode: string; permissionId: string }>;

export function decideOrganizations(command: OrganizationCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'AddUserToOrganization': {
      const user = existing(state);
      if (user.organizations[command.data.orgCode]) return [];
      return [{ type: 'UserAddedToOrganization', data: { orgCode: command.data.orgCode, roleIds: [...new Set(command.data.roleIds)] } }];
    }
    case 'RemoveUserFromOrganization': {
      const user = existing(state);
      if (!user.organizations[command.data.orgCode]) return [];
      return [{ type: 'UserRemovedFromOrganization', data: { orgCode: command.data.orgCode } }];
    }
    case 'AssignRole': {
      const access = member(existing(state), command.data.orgCode);
      if (!command.data.roleExists) throw new DomainError('ROLE_NOT_FOUND', 'role not found', { roleId: command.data.roleId });
      if (access.roleIds.includes(command.data.roleId)) return [];
      return [{ type: 'RoleAssignedToUser', data: { orgCode: command.data.orgCode, roleId: command.data.roleId } }];
    }
    case 'RemoveRole': {
      const access = member(existing(state), command.data.orgCode);
      if (!access.roleIds.includes(command.data.roleId)) return [];
      return [{ type: 'RoleRemovedFromUser', data: { orgCode: command.data.orgCode, roleId: command.data.roleId } }];
    }
    case 'GrantPermission': {
      const access = member(existing(state), command.data.orgCode);
      if (!command.data.permissionExists) throw new DomainError('PERMISSION_NOT_FOUND', 'permission not found', { permissionId: command.data.permissionId });
      if (access.permissionIds.includes(command.data.permissionId)) return [];
      return [{ type: 'PermissionGrantedToUser', data: { orgCode: command.data.orgCode, permissionId: command.data.permissionId } }];
    }
    case 'RevokePermission': {
      const access = member(existing(state), command.data.orgCode);
      if (!access.permissionIds.includes(command.data.permissionId)) return [];
      return [{ type: 'PermissionRevokedFromUser', data: { orgCode: command.data.orgCode, permissionId: command.data.permissionId } }];
    }
    default:
      return assertNever(command, 'user command');
  }
}
