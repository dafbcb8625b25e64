import type { BusinessSettingsEvent } from '../../domain/business-settings/events';
import { businessSettingsEventSchemas } from '../../domain/business-settings/events';
import { assertNever } from '../../domain/shared';
import { docProjection } from '../support';

/** The single `business-settings` stream as one row (id `business-settings`). */
export interface BusinessSettingsDoc {
  terms_url: string | null;
  privacy_url: string | null;
  show_policy_acceptance: boolean;
  allow_self_sign_up: boolean;
  sync_profiles_on_sign_in: boolean;
  add_users_to_default_organization: boolean;
  default_org_code: string | null;
  default_user_role_ids: string[];
  default_role_permission_ids: string[];
}

const TYPES = new Set(Object.keys(businessSettingsEventSchemas));
const uniq = (a: string[], x: string) => [...new Set([...a, x])];

export const businessSettingsProjection = docProjection<BusinessSettingsDoc>('business_settings', 1, {
  table: 'business_settings',
  streamPrefix: 'business-settings',
  exactStream: true,
  columns() {},
  evolve(doc, recorded) {
    if (!TYPES.has(recorded.type)) return doc;
    const event = { type: recorded.type, data: recorded.data } as BusinessSettingsEvent;
    const base: BusinessSettingsDoc = doc ?? {
      terms_url: null,
      privacy_url: null,
      show_policy_acceptance: false,
      allow_self_sign_up: true,
      sync_profiles_on_sign_in: true,
      add_users_to_default_organization: true,
      default_org_code: null,
      default_user_role_ids: [],
      default_role_permission_ids: [],
    };
    const patch = (
      d: Partial<Record<'termsUrl' | 'privacyUrl', string | null> & Record<'showPolicyAcceptance' | 'allowSelfSignUp' | 'syncProfilesOnSignIn' | 'addUsersToDefaultOrganization', boolean>>,
    ): BusinessSettingsDoc => ({
      ...base,
      terms_url: d.termsUrl === undefined ? base.terms_url : d.termsUrl,
      privacy_url: d.privacyUrl === undefined ? base.privacy_url : d.privacyUrl,
      show_policy_acceptance: d.showPolicyAcceptance ?? base.show_policy_acceptance,
      allow_self_sign_up: d.allowSelfSignUp ?? base.allow_self_sign_up,
      sync_profiles_on_sign_in: d.syncProfilesOnSignIn ?? base.sync_profiles_on_sign_in,
      add_users_to_default_organization: d.addUsersToDefaultOrganization ?? base.add_users_to_default_organization,
    });
    switch (event.type) {
      case 'BusinessSettingsInitialized':
        return { ...patch(event.data), default_org_code: event.data.defaultOrgCode };
      case 'BusinessSettingsUpdated':
        return patch(event.data);
      case 'DefaultUserRoleAdded':
        return { ...base, default_user_role_ids: uniq(base.default_user_role_ids, event.data.roleId) };
      case 'DefaultUserRoleRemoved':
        return { ...base, default_user_role_ids: base.default_user_role_ids.filter((r) => r !== event.data.roleId) };
      case 'DefaultRolePermissionAdded':
        return { ...base, default_role_permission_ids: uniq(base.default_role_permission_ids, event.data.permissionId) };
      case 'DefaultRolePermissionRemoved':
        return { ...base, default_role_permission_ids: base.default_role_permission_ids.filter((r) => r !== event.data.permissionId) };
      default:
        return assertNever(event, 'business settings event');
    }
  },
  row: () => ({}),
});
