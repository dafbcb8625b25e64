import { DomainError } from '../errors';
import { assertNever, type Command, type Decider } from '../shared';
import type { OrganizationEvent } from './events';

export type OrganizationState =
  | { readonly status: 'none' }
  | {
      readonly status: 'active';
      readonly orgCode: string;
      readonly name: string;
      readonly externalId?: string;
      readonly isDefault: boolean;
      readonly defaultRoleIds: readonly string[];
      readonly properties: Readonly<Record<string, string>>;
    }
  | { readonly status: 'deleted'; readonly orgCode: string };

export type OrganizationCommand =
  | Command<'CreateOrganization', { orgCode: string; name: string; externalId?: string; isDefault?: boolean }>
  | Command<'UpdateOrganization', { name?: string; externalId?: string | null }>
  | Command<'SetOrganizationDefaultRoles', { roleIds: readonly string[] }>
  | Command<'SetOrganizationProperty', { key: string; value: string | null }>
  | Command<'DeleteOrganization', Record<string, never>>;

type Active = Extract<OrganizationState, { status: 'active' }>;

function active(state: OrganizationState): Active {
  if (state.status !== 'active') throw new DomainError('ORGANIZATION_NOT_FOUND', 'organization not found');
  return state;
}

export function evolveOrganization(state: OrganizationState, event: OrganizationEvent): OrganizationState {
  switch (event.type) {
    case 'OrganizationCreated': {
      const { orgCode, name, externalId, isDefault } = event.data;
      return { status: 'active', orgCode, name, isDefault, defaultRoleIds: [], properties: {}, ...(externalId !== undefined ? { externalId } : {}) };
    }
    case 'OrganizationUpdated': {
      if (state.status !== 'active') return state;
      const { name, externalId } = event.data;
      const next: Record<string, unknown> = { ...state, ...(name !== undefined ? { name } : {}) };
      if (externalId === null) delete next.externalId;
      else if (externalId !== undefined) next.externalId = externalId;
      return next as Active;
    }
    case 'OrganizationDefaultRolesSet':
      return state.status === 'active' ? { ...state, defaultRoleIds: [...event.data.roleIds] } : state;
    case 'OrganizationPropertySet': {
      if (state.status !== 'active') return state;
      const properties = { ...state.properties };
      if (event.data.value === null) delete properties[event.data.key];
      else properties[event.data.key] = event.data.value;
      return { ...state, properties };
    }
    case 'OrganizationDeleted':
      return state.status === 'active' ? { status: 'deleted', orgCode: state.orgCode } : state;
    default:
      return assertNever(event, 'organization event');
  }
}

export function decideOrganization(command: OrganizationCommand, state: OrganizationState): OrganizationEvent[] {
  switch (command.type) {
    case 'CreateOrganization': {
      if (state.status !== 'none') throw new DomainError('ORGANIZATION_ALREADY_EXISTS', 'organization already exists');
      const { orgCode, name, externalId, isDefault } = command.data;
      if (name.trim() === '') throw new DomainError('VALIDATION_FAILED', 'organization name is required', { field: 'name' });
      return [{ type: 'OrganizationCreated', data: { orgCode, name, isDefault: isDefault ?? false, ...(externalId ? { externalId } : {}) } }];
    }
    case 'UpdateOrganization': {
      const org = active(state);
      const { name, externalId } = command.data;
      const data: { name?: string; externalId?: string | null } = {};
      if (name !== undefined && name !== org.name) {
        if (name.trim() === '') throw new DomainError('VALIDATION_FAILED', 'organization name is required', { field: 'name' });
        data.name = name;
      }
      if (externalId !== undefined && (externalId ?? undefined) !== org.externalId) data.externalId = externalId === '' ? null : externalId;
      return Object.keys(data).length === 0 ? [] : [{ type: 'OrganizationUpdated', data }];
    }
    case 'SetOrganizationDefaultRoles': {
      const org = active(state);
      const roleIds = [...new Set(command.data.roleIds)];
      const same = roleIds.length === org.defaultRoleIds.length && roleIds.every((r) => org.defaultRoleIds.includes(r));
      return same ? [] : [{ type: 'OrganizationDefaultRolesSet', data: { roleIds } }];
    }
    case 'SetOrganizationProperty': {
      const org = active(state);
      const { key, value } = command.data;
      return (org.properties[key] ?? null) === value ? [] : [{ type: 'OrganizationPropertySet', data: { key, value } }];
    }
    case 'DeleteOrganization': {
      if (state.status === 'deleted') return [];
      const org = active(state);
      if (org.isDefault) throw new DomainError('DEFAULT_ORGANIZATION_PROTECTED', 'the default organization cannot be deleted');
      return [{ type: 'OrganizationDeleted', data: org.externalId !== undefined ? { externalId: org.externalId } : {} }];
    }
    default:
      return assertNever(command, 'organization command');
  }
}

export const organizationDecider: Decider<OrganizationCommand, OrganizationEvent, OrganizationState> = {
  initialState: () => ({ status: 'none' }),
  evolve: evolveOrganization,
  decide: decideOrganization,
};
