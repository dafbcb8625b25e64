import { DomainError } from '../errors';
import { assertNever, type Command, type Decider } from '../shared';
import type { BusinessSettings, BusinessSettingsEvent } from './events';

/** Kinde's defaults: self sign-up allowed, profiles synced, users go to the default organization. */
export const DEFAULT_BUSINESS_SETTINGS: BusinessSettings = {
  termsUrl: null,
  privacyUrl: null,
  showPolicyAcceptance: false,
  allowSelfSignUp: true,
  syncProfilesOnSignIn: true,
  addUsersToDefaultOrganization: true,
};

export type BusinessSettingsState =
  | { readonly status: 'none' }
  | {
      readonly status: 'initialized';
      readonly defaultOrgCode: string;
      readonly settings: BusinessSettings;
      readonly defaultUserRoleIds: readonly string[];
      readonly defaultRolePermissionIds: readonly string[];
    };

export type BusinessSettingsCommand =
  | Command<'InitializeBusinessSettings', { defaultOrgCode: string; settings?: Partial<BusinessSettings> }>
  | Command<'UpdateBusinessSettings', Partial<BusinessSettings>>
  | Command<'SetDefaultUserRole', { roleId: string; enabled: boolean }>
  | Command<'SetDefaultRolePermission', { permissionId: string; enabled: boolean }>;

type Ready = Extract<BusinessSettingsState, { status: 'initialized' }>;

export function evolveBusinessSettings(state: BusinessSettingsState, event: BusinessSettingsEvent): BusinessSettingsState {
  if (event.type === 'BusinessSettingsInitialized') {
    const { defaultOrgCode, ...settings } = event.data;
    return { status: 'initialized', defaultOrgCode, settings, defaultUserRoleIds: [], defaultRolePermissionIds: [] };
  }
  if (state.status !== 'initialized') return state;
  switch (event.type) {
    case 'BusinessSettingsUpdated':
      return { ...state, settings: { ...state.settings, ...event.data } };
    case 'DefaultUserRoleAdded':
      return { ...state, defaultUserRoleIds: [...new Set([...state.defaultUserRoleIds, event.data.roleId])] };
    case 'DefaultUserRoleRemoved':
      return { ...state, defaultUserRoleIds: state.defaultUserRoleIds.filter((r) => r !== event.data.roleId) };
    case 'DefaultRolePermissionAdded':
      return { ...state, defaultRolePermissionIds: [...new Set([...state.defaultRolePermissionIds, event.data.permissionId])] };
    case 'DefaultRolePermissionRemoved':
      return { ...state, defaultRolePermissionIds: state.defaultRolePermissionIds.filter((p) => p !== event.data.permissionId) };
    default:
      return assertNever(event, 'business settings event');
  }
}

function ready(state: BusinessSettingsState): Ready {
  if (state.status !== 'initialized') throw new DomainError('VALIDATION_FAILED', 'business settings are not initialized');
  return state;
}

export function decideBusinessSettings(command: BusinessSettingsCommand, state: BusinessSettingsState): BusinessSettingsEvent[] {
  switch (command.type) {
    case 'InitializeBusinessSettings':
      if (state.status === 'initialized') return [];
      return [{ type: 'BusinessSettingsInitialized', data: { ...DEFAULT_BUSINESS_SETTINGS, ...command.data.settings, defaultOrgCode: command.data.defaultOrgCode } }];
    case 'UpdateBusinessSettings': {
      const current = ready(state).settings;
      const changed: Partial<BusinessSettings> = {};
      for (const [key, value] of Object.entries(command.data) as [keyof BusinessSettings, BusinessSettings[keyof BusinessSettings]][]) {
        if (value === undefined) continue;
        const normalized = value === '' ? null : value;
        if (current[key] !== normalized) (changed as Record<string, unknown>)[key] = normalized;
      }
      return Object.keys(changed).length === 0 ? [] : [{ type: 'BusinessSettingsUpdated', data: changed }];
    }
    case 'SetDefaultUserRole': {
      const s = ready(state);
      const has = s.defaultUserRoleIds.includes(command.data.roleId);
      if (has === command.data.enabled) return [];
      return [{ type: command.data.enabled ? 'DefaultUserRoleAdded' : 'DefaultUserRoleRemoved', data: { roleId: command.data.roleId } }];
    }
    case 'SetDefaultRolePermission': {
      const s = ready(state);
      const has = s.defaultRolePermissionIds.includes(command.data.permissionId);
      if (has === command.data.enabled) return [];
      return [{ type: command.data.enabled ? 'DefaultRolePermissionAdded' : 'DefaultRolePermissionRemoved', data: { permissionId: command.data.permissionId } }];
    }
    default:
      return assertNever(command, 'business settings command');
  }
}

export const businessSettingsDecider: Decider<BusinessSettingsCommand, BusinessSettingsEvent, BusinessSettingsState> = {
  initialState: () => ({ status: 'none' }),
  evolve: evolveBusinessSettings,
  decide: decideBusinessSettings,
};
