import type { Router } from 'express';
import { z } from 'zod';
import * as orgs from '../../commands/organizations';
import { loadBusinessSettings } from '../../commands/settings';
import { streams } from '../../domain/streams';
import { endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';
import { activeOrganization } from '../views/streams';

/**
 * Kinde's Organizations endpoints for the organization itself. Its members
 * (organization-users.ts), their roles, permissions and MFA
 * (organization-user-access.ts) and its properties (organization-properties.ts)
 * have their own modules; lists live in lists.ts (they read the read models).
 */
export const OrgParam = z.object({ org_code: z.string().min(1).max(64) }).strict();

// Kinde's branding, theme and billing fields are accepted and ignored (Roster does not model them); other keys are stripped.
const CreateOrganizationBody = z.object({ name: z.string().trim().min(1).max(255), external_id: z.string().min(1).max(255).optional(), handle: z.string().max(255).optional() }).strip();
const UpdateOrganizationBody = z.object({ name: z.string().trim().min(1).max(255).optional(), external_id: z.string().max(255).optional() }).strip();

async function orgCreatedOn(deps: ApiDeps, orgCode: string): Promise<string | undefined> {
  const [first] = await deps.store.readStream(streams.organization(orgCode));
  return first ? (first.metadata?.occurredAt ?? first.recordedAt.toISOString()) : undefined;
}

/** GET/POST /api/v1/organization, PATCH/DELETE /api/v1/organization/:org_code. */
export function organizationRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
      endpoint({
        method: 'get',
        path: '/api/v1/organization',
        scope: 'read:organizations',
        summary: 'Get organization (the default organization when no code is given)',
        operationId: 'getOrganization',
        query: z.object({ code: z.string().max(64).optional(), expand: z.string().max(100).optional() }).strip(),
        handler: async ({ query }) => {
          const code = query.code ?? (await loadBusinessSettings(store)).defaultOrgCode;
          const org = await activeOrganization(store, code);
          const createdOn = await orgCreatedOn(deps, code);
          return {
            code: org.orgCode,
            name: org.name,
            handle: null,
            is_default: org.isDefault,
            external_id: org.externalId ?? null,
            is_auto_membership_enabled: false,
            ...(createdOn ? { created_on: createdOn } : {}),
            is_suspended: false,
          };
        },
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/organization',
        scope: 'create:organizations',
        summary: 'Create organization',
        operationId: 'createOrganization',
        body: CreateOrganizationBody,
        handler: async ({ body, ctx }) => {
          const result = await orgs.createOrganization(store, ctx, { name: body.name, ...(body.external_id ? { externalId: body.external_id } : {}) });
          await settle(deps, result.position);
          return { message: 'Success', code: 'OK', organization: { code: result.orgCode } };
        },
      }),
      endpoint({
        method: 'patch',
        path: '/api/v1/organization/:org_code',
        scope: 'update:organizations',
        summary: 'Update organization',
        operationId: 'updateOrganization',
        params: OrgParam,
        query: z.object({ expand: z.string().max(100).optional() }).strip(),
        body: UpdateOrganizationBody,
        handler: async ({ params, body, ctx }) => {
          await activeOrganization(store, params.org_code);
          const changes = {
            ...(body.name !== undefined ? { name: body.name } : {}),
            ...(body.external_id !== undefined ? { externalId: body.external_id === '' ? null : body.external_id } : {}),
          };
          const result = await orgs.updateOrganization(store, ctx, params.org_code, changes);
          await settle(deps, result.position);
          return success('Organization successfully updated', 'OK');
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/organization/:org_code',
        scope: 'delete:organizations',
        summary: 'Delete organization',
        operationId: 'deleteOrganization',
        params: OrgParam,
        handler: async ({ params, ctx }) => {
          await activeOrganization(store, params.org_code);
          const result = await orgs.deleteOrganization(store, ctx, params.org_code);
          await settle(deps, result.position);
          return success('Organization successfully deleted', 'OK');
        },
      }),
    ]);
}
