import type { Router } from 'express';
import { z } from 'zod';
import { loadBusinessSettings, updateBusinessSettings } from '../../commands/settings';
import type { BusinessSettings } from '../../domain/business-settings/events';
import { streams } from '../../domain/streams';
import { endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';

/**
 * GET|PATCH /api/v1/business: the policy URLs and sign-up settings. Kinde's
 * fields Roster does not model (name, industry, timezone, branding) are accepted
 * and not stored; Roster's own settings use the same snake_case style.
 */
const UpdateBusinessBody = z
  .object({
    privacy_url: z.url().max(2048).nullable().optional(),
    terms_url: z.url().max(2048).nullable().optional(),
    is_click_wrap: z.boolean().nullable().optional(),
    allow_self_sign_up: z.boolean().optional(),
    sync_profiles_on_sign_in: z.boolean().optional(),
    add_users_to_default_organization: z.boolean().optional(),
    business_name: z.string().max(255).nullable().optional(),
    email: z.string().max(320).nullable().optional(),
    industry_key: z.string().max(100).nullable().optional(),
    is_show_kinde_branding: z.boolean().nullable().optional(),
    kinde_perk_code: z.string().max(100).nullable().optional(),
    phone: z.string().max(40).nullable().optional(),
    timezone_key: z.string().max(100).nullable().optional(),
  })
  .strict();

export function businessRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
      endpoint({
        method: 'get',
        path: '/api/v1/business',
        scope: 'read:businesses',
        summary: 'Get business',
        operationId: 'getBusiness',
        handler: async () => {
          const { settings, defaultOrgCode } = await loadBusinessSettings(store);
          const [first] = await store.readStream(streams.businessSettings());
          return {
            code: 'OK',
            message: 'Success',
            business: {
              code: defaultOrgCode,
              name: 'Roster',
              phone: null,
              email: null,
              industry: null,
              timezone: null,
              privacy_url: settings.privacyUrl,
              terms_url: settings.termsUrl,
              has_clickwrap: settings.showPolicyAcceptance,
              has_kinde_branding: false,
              ...(first ? { created_on: first.metadata?.occurredAt ?? first.recordedAt.toISOString() } : {}),
              allow_self_sign_up: settings.allowSelfSignUp,
              sync_profiles_on_sign_in: settings.syncProfilesOnSignIn,
              add_users_to_default_organization: settings.addUsersToDefaultOrganization,
            },
          };
        },
      }),
      endpoint({
        method: 'patch',
        path: '/api/v1/business',
        scope: 'update:businesses',
        summary: 'Update business',
        operationId: 'updateBusiness',
        body: UpdateBusinessBody,
        handler: async ({ body, ctx }) => {
          const changes: Partial<BusinessSettings> = {
            ...(body.privacy_url !== undefined ? { privacyUrl: body.privacy_url || null } : {}),
            ...(body.terms_url !== undefined ? { termsUrl: body.terms_url || null } : {}),
            ...(body.is_click_wrap !== undefined && body.is_click_wrap !== null ? { showPolicyAcceptance: body.is_click_wrap } : {}),
            ...(body.allow_self_sign_up !== undefined ? { allowSelfSignUp: body.allow_self_sign_up } : {}),
            ...(body.sync_profiles_on_sign_in !== undefined ? { syncProfilesOnSignIn: body.sync_profiles_on_sign_in } : {}),
            ...(body.add_users_to_default_organization !== undefined ? { addUsersToDefaultOrganization: body.add_users_to_default_organization } : {}),
          };
          const result = await updateBusinessSettings(store, ctx, changes);
          await settle(deps, result.position);
          return success('Business successfully updated', 'OK');
        },
      }),
    ]);
}
