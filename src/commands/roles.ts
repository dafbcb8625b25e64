import { DomainError } from '../domain/errors';
import { permissionDecider, type PermissionState } from '../domain/permission/decider';
import type { PermissionEvent } from '../domain/permission/events';
import { roleDecider, type RoleCommand, type RoleState } from '../domain/role/decider';
import type { RoleEvent } from '../domain/role/events';
import { streams } from '../domain/streams';
import type { ReservationChange } from '../domain/user/reservations';
import type { EventStore, StreamAppend } from '../eventstore/types';
import type { CommandContext } from './context';
import { handleCommandWithReservations, loadState, type CommandResult } from './handle';
import { businessSettingsAppend, loadBusinessSettings } from './settings';

// ---- roles ---------------------------------------------------------------------------------

function roleKeyChanges(events: readonly RoleEvent[], state: RoleState): ReservationChange[] {
  const out: ReservationChange[] = [];
  for (const e of events) {
    if (e.type === 'RoleCreated') out.push({ action: 'claim', kind: 'role_key', value: e.data.key });
    if (e.type === 'RoleUpdated' && e.data.key !== undefined && state.status === 'active') {
      out.push({ action: 'release', kind: 'role_key', value: state.key }, { action: 'claim', kind: 'role_key', value: e.data.key });
    }
    if (e.type === 'RoleDeleted') out.push({ action: 'release', kind: 'role_key', value: e.data.key });
  }
  return out;
}

/** Keeps the business-settings index of "assign to new users" roles in the same append. */
async function defaultRoleIndex(store: EventStore, ctx: CommandContext, roleId: string, events: readonly RoleEvent[]): Promise<StreamAppend[]> {
  for (const e of events) {
    const enabled = e.type === 'RoleCreated' ? e.data.assignToNewUsers : e.type === 'RoleUpdated' ? e.data.assignToNewUsers : e.type === 'RoleDeleted' ? false : undefined;
    if (enabled === undefined || (e.type === 'RoleCreated' && !enabled)) continue;
    return businessSettingsAppend(store, ctx, { type: 'SetDefaultUserRole', data: { roleId, enabled } });
  }
  return [];
}

function runRole(store: EventStore, ctx: CommandContext, roleId: string, command: RoleCommand): Promise<CommandResult<RoleEvent>> {
  return handleCommandWithReservations(store, streams.role(roleId), roleDecider, command, ctx, {
    ownerId: roleId,
    changesOf: roleKeyChanges,
    more: (events) => defaultRoleIndex(store, ctx, roleId, events),
  });
}

async function assertPermissions(store: EventStore, permissionIds: readonly string[]): Promise<void> {
  for (const permissionId of permissionIds) {
    if ((await loadState(store, streams.permission(permissionId), permissionDecider)).state.status !== 'active') {
      throw new DomainError('PERMISSION_NOT_FOUND', 'permission not found', { permissionId });
    }
  }
}

export interface CreateRoleInput {
  readonly key: string;
  readonly name: string;
  readonly description?: string;
  readonly assignToNewUsers?: boolean;
  readonly permissionIds?: readonly string[];
}

/** The role key is unique (ROLE_KEY_TAKEN); permissions marked "add automatically to new roles" are included. */
export async function createRole(store: EventStore, ctx: CommandContext, input: CreateRoleInput): Promise<CommandResult<RoleEvent> & { roleId: string }> {
  const roleId = ctx.newId.uuid();
  const given = input.permissionIds ?? [];
  await assertPermissions(store, given);
  const settings = await loadBusinessSettings(store);
  const result = await runRole(store, ctx, roleId, {
    type: 'CreateRole',
    data: { ...input, roleId, permissionIds: [...new Set([...given, ...settings.defaultRolePermissionIds])] },
  });
  return { ...result, roleId };
}

export const updateRole = (store: EventStore, ctx: CommandContext, roleId: string, changes: Extract<RoleCommand, { type: 'UpdateRole' }>['data']) =>
  runRole(store, ctx, roleId, { type: 'UpdateRole', data: changes });

/** Appends to the role stream only: read models and effective access drop a deleted role everywhere. */
export const deleteRole = (store: EventStore, ctx: CommandContext, roleId: string) => runRole(store, ctx, roleId, { type: 'DeleteRole', data: {} });

export async function addPermissionToRole(store: EventStore, ctx: CommandContext, roleId: string, permissionId: string) {
  const exists = (await loadState(store, streams.permission(permissionId), permissionDecider)).state.status === 'active';
  return runRole(store, ctx, roleId, { type: 'AddPermissionToRole', data: { permissionId, permissionExists: exists } });
}

export const removePermissionFromRole = (store: EventStore, ctx: CommandContext, roleId: string, permissionId: string) =>
  runRole(store, ctx, roleId, { type: 'RemovePermissionFromRole', data: { permissionId } });

// ---- permissions ---------------------------------------------------------------------------------

function permissionKeyChanges(events: readonly PermissionEvent[], state: PermissionState): ReservationChange[] {
  const out: ReservationChange[] = [];
  for (const e of events) {
    if (e.type === 'PermissionCreated') out.push({ action: 'claim', kind: 'permission_key', value: e.data.key });
    if (e.type === 'PermissionUpdated' && e.data.key !== undefined && state.status === 'active') {
      out.push({ action: 'release', kind: 'permission_key', value: state.key }, { action: 'claim', kind: 'permission_key', value: e.data.key });
    }
    if (e.type === 'PermissionDeleted') out.push({ action: 'release', kind: 'permission_key', value: e.data.key });
  }
  return out;
}

async function defaultPermissionIndex(store: EventStore, ctx: CommandContext, permissionId: string, events: readonly PermissionEvent[]): Promise<StreamAppend[]> {
  for (const e of events) {
    const enabled = e.type === 'PermissionCreated' ? e.data.addToNewRoles : e.type === 'PermissionUpdated' ? e.data.addToNewRoles : e.type === 'PermissionDeleted' ? false : undefined;
    if (enabled === undefined || (e.type === 'PermissionCreated' && !enabled)) continue;
    return businessSettingsAppend(store, ctx, { type: 'SetDefaultRolePermission', data: { permissionId, enabled } });
  }
  return [];
}

function runPermission(store: EventStore, ctx: CommandContext, permissionId: string, command: Parameters<typeof permissionDecider.decide>[0]) {
  return handleCommandWithReservations(store, streams.permission(permissionId), permissionDecider, command, ctx, {
    ownerId: permissionId,
    changesOf: permissionKeyChanges,
    more: (events) => defaultPermissionIndex(store, ctx, permissionId, events),
  });
}

export async function createPermission(
  store: EventStore,
  ctx: CommandContext,
  input: { key: string; name: string; description?: string; addToNewRoles?: boolean },
): Promise<CommandResult<PermissionEvent> & { permissionId: string }> {
  const permissionId = ctx.newId.uuid();
  const result = await runPermission(store, ctx, permissionId, { type: 'CreatePermission', data: { ...input, permissionId } });
  return { ...result, permissionId };
}

export const updatePermission = (store: EventStore, ctx: CommandContext, permissionId: string, changes: { key?: string; name?: string; description?: string | null; addToNewRoles?: boolean }) =>
  runPermission(store, ctx, permissionId, { type: 'UpdatePermission', data: changes });

/** Appends to the permission stream only: it leaves every user and every role through the read models. */
export const deletePermission = (store: EventStore, ctx: CommandContext, permissionId: string) => runPermission(store, ctx, permissionId, { type: 'DeletePermission', data: {} });
