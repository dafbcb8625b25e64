import type { Router } from 'express';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { loadState } from '../../commands/handle';
import { loadBusinessSettings } from '../../commands/settings';
import * as users from '../../commands/users';
import { propertyDecider } from '../../domain/property/decider';
import { streams } from '../../domain/streams';
import type { IdentityInput } from '../../domain/user/identity';
import type { MfaMethod, MfaScope } from '../../domain/user/events';
import { HASHING_METHODS, parseStoredPassword } from '../../passwords';
import { csv, endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';
import { HttpError } from '../errors';
import { loadUserView } from '../../projections/time-travel/user-view';
import { kindeIdentity, kindeMfaFactors, kindeUser, opt, primaryValue } from '../views/user-stream';

/**
 * Kinde's Users endpoints (one user at a time; lists are in lists.ts) and
 * Roster's additions for policy acceptance and MFA enrolment.
 */
const UserIdParam = z.object({ user_id: z.string().min(1).max(100) }).strict();
const Expand = csv.optional().transform((v) => new Set(v ?? []));

/** Kinde's phone identities may come as a national number plus `phone_country_id`. */
export function toE164(phone: string, country?: string): string {
  const parsed = parsePhoneNumberFromString(phone, country ? (country.toUpperCase() as CountryCode) : undefined);
  return parsed?.isValid() ? parsed.number : phone;
}

const CreateUserBody = z
  .object({
    profile: z
      .object({ given_name: z.string().max(255).optional(), family_name: z.string().max(255).optional(), picture: z.url().max(2048).optional() })
      .strict()
      .optional(),
    organization_code: z.string().max(64).optional(),
    provided_id: z.string().min(1).max(255).optional(),
    identities: z
      .array(
        z
          .object({
            type: z.enum(['email', 'phone', 'username']),
            is_verified: z.boolean().optional(),
            details: z
              .object({ email: z.string().max(320).optional(), phone: z.string().max(40).optional(), phone_country_id: z.string().max(4).optional(), username: z.string().max(255).optional() })
              .strict(),
          })
          .strict(),
      )
      .max(20)
      .optional(),
  })
  .strict();

function identityFromDetails(i: z.infer<typeof CreateUserBody>['identities'] extends (infer T)[] | undefined ? T : never): IdentityInput {
  const value = i.type === 'email' ? i.details.email : i.type === 'phone' ? i.details.phone && toE164(i.details.phone, i.details.phone_country_id) : i.details.username;
  if (!value) throw new HttpError('invalid', 'INVALID_REQUEST', `identities: a ${i.type} identity needs details.${i.type}`);
  return { type: i.type, identity: value, ...(i.is_verified !== undefined ? { isVerified: i.is_verified } : {}) };
}

const UpdateUserBody = z
  .object({
    given_name: z.string().max(255).optional(),
    family_name: z.string().max(255).optional(),
    picture: z.string().max(2048).optional(),
    is_suspended: z.boolean().optional(),
    is_password_reset_requested: z.boolean().optional(),
    provided_id: z.string().max(255).optional(),
  })
  .strict();

const SetPasswordBody = z
  .object({
    hashed_password: z.string().min(1).max(1024),
    // Kinde's five plus the families Roster accepts beyond them (README, "Password hashes").
    hashing_method: z.enum(HASHING_METHODS).optional(),
    salt: z.string().max(1024).optional(),
    salt_position: z.enum(['prefix', 'suffix']).optional(),
    salt_format: z.enum(['string', 'hex']).optional(),
    iterations: z.number().int().optional(),
    variant: z.string().max(64).optional(),
    is_temporary_password: z.boolean().optional(),
  })
  .strict();

const CreateIdentityBody = z
  .object({
    value: z.string().min(1).max(512),
    type: z.enum(['email', 'username', 'phone', 'enterprise', 'social']),
    phone_country_id: z.string().max(4).optional(),
    connection_id: z.string().max(255).optional(),
  })
  .strict();

/** Property values: strings, numbers and booleans are stored as text; null clears. */
const PropertyValue = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]).transform((v) => (v === null ? null : String(v)));
const UpdatePropertiesBody = z.object({ properties: z.record(z.string().min(1).max(255), PropertyValue) }).strict();

const PolicyAcceptanceBody = z.object({ policy: z.enum(['terms', 'privacy']), version: z.string().min(1).max(100).optional() }).strict();
const EnrolMfaBody = z.object({ type: z.enum(['totp', 'sms', 'email']), org_code: z.string().max(64).optional() }).strict();
const MFA_METHOD: Record<'totp' | 'sms' | 'email', MfaMethod> = { totp: 'authenticator_app', sms: 'sms', email: 'email' };

export function userRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
      endpoint({
        method: 'get',
        path: '/api/v1/user',
        scope: 'read:users',
        summary: 'Get user',
        operationId: 'getUserData',
        // Roster adds `as_of` (ISO 8601): the user as they were at that time, folded from the events.
        query: z.object({ id: z.string().min(1), expand: Expand, as_of: z.iso.datetime({ offset: true }).optional() }).strip(),
        handler: async ({ query }) => kindeUser(await loadUserView(store, query.id, query.as_of ? new Date(query.as_of) : undefined), query.expand),
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/user',
        scope: 'create:users',
        summary: 'Create user',
        operationId: 'createUser',
        body: CreateUserBody,
        handler: async ({ body, ctx }) => {
          const identities = (body.identities ?? []).map(identityFromDetails);
          const result = await users.createUser(store, ctx, {
            ...(body.profile?.given_name !== undefined ? { firstName: body.profile.given_name } : {}),
            ...(body.profile?.family_name !== undefined ? { lastName: body.profile.family_name } : {}),
            ...(body.profile?.picture !== undefined ? { picture: body.profile.picture } : {}),
            ...(body.provided_id !== undefined ? { providedId: body.provided_id } : {}),
            identities,
            orgCodes: body.organization_code ? [body.organization_code] : [],
          });
          await settle(deps, result.position);
          return { id: result.userId, created: true, identities: identities.map((i) => ({ type: i.type, result: { created: true } })) };
        },
      }),
      endpoint({
        method: 'patch',
        path: '/api/v1/user',
        scope: 'update:users',
        summary: 'Update user',
        operationId: 'updateUser',
        query: z.object({ id: z.string().min(1) }).strip(),
        body: UpdateUserBody,
        handler: async ({ query, body, ctx }) => {
          const before = await loadUserView(store, query.id);
          if (body.provided_id !== undefined && body.provided_id !== before.user.providedId) {
            throw new HttpError('invalid', 'PROVIDED_ID_IMMUTABLE', 'provided_id cannot be changed once set');
          }
          const positions = [];
          const names = {
            ...(body.given_name !== undefined ? { firstName: body.given_name } : {}),
            ...(body.family_name !== undefined ? { lastName: body.family_name } : {}),
            ...(body.picture !== undefined ? { picture: body.picture } : {}),
          };
          if (Object.keys(names).length) positions.push((await users.updateUser(store, ctx, query.id, names)).position);
          if (body.is_suspended === true) positions.push((await users.suspendUser(store, ctx, query.id)).position);
          if (body.is_suspended === false) positions.push((await users.restoreUser(store, ctx, query.id)).position);
          if (body.is_password_reset_requested === true) positions.push((await users.requestPasswordReset(store, ctx, query.id)).position);
          await settle(deps, ...positions);
          const view = await loadUserView(store, query.id);
          const u = view.user;
          return {
            id: u.userId,
            ...opt('given_name', u.firstName),
            ...opt('family_name', u.lastName),
            ...opt('email', primaryValue(u, 'email')),
            is_suspended: u.status === 'suspended',
            is_password_reset_requested: u.passwordResetRequested,
            picture: u.picture ?? null,
          };
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/user',
        scope: 'delete:users',
        summary: 'Delete user',
        operationId: 'deleteUser',
        query: z.object({ id: z.string().min(1), is_delete_profile: z.enum(['true', 'false']).optional() }).strip(),
        handler: async ({ query, ctx }) => {
          await loadUserView(store, query.id);
          const extent = query.is_delete_profile === 'true' ? 'delete_profile' : 'revoke_access';
          const result = await users.deleteUser(store, ctx, query.id, extent);
          await settle(deps, result.position);
          return success('User successfully deleted', 'USER_DELETED');
        },
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/users/:user_id/refresh_claims',
        scope: 'update:user_refresh_claims',
        summary: 'Refresh user claims and invalidate cache',
        operationId: 'refreshUserClaims',
        params: UserIdParam,
        // Roster issues no user tokens to invalidate; the call checks the user exists.
        handler: async ({ params }) => {
          await loadUserView(store, params.user_id);
          return success('Claims successfully refreshed', 'REFRESH_CLAIMS_SUCCESS');
        },
      }),
      endpoint({
        method: 'patch',
        path: '/api/v1/users/:user_id/feature_flags/:feature_flag_key',
        scope: 'update:user_feature_flags',
        summary: 'Update user feature flag override',
        operationId: 'updateUserFeatureFlagOverride',
        params: z.object({ user_id: z.string().min(1), feature_flag_key: z.string().min(1).max(255) }).strict(),
        query: z.object({ value: z.string().max(10_000) }).strip(),
        handler: async ({ params, query, ctx }) => {
          await loadUserView(store, params.user_id);
          const result = await users.setFeatureFlagOverride(store, ctx, params.user_id, params.feature_flag_key, query.value);
          await settle(deps, result.position);
          return success('Feature flag override successfully updated', 'FEATURE_FLAG_UPDATED');
        },
      }),
      endpoint({
        method: 'put',
        path: '/api/v1/users/:user_id/properties/:property_key',
        scope: 'update:user_properties',
        summary: 'Update property value',
        operationId: 'updateUserProperty',
        params: z.object({ user_id: z.string().min(1), property_key: z.string().min(1).max(255) }).strict(),
        query: z.object({ value: z.string().max(10_000) }).strip(),
        handler: async ({ params, query, ctx }) => {
          await loadUserView(store, params.user_id);
          const result = await users.setUserProperty(store, ctx, params.user_id, params.property_key, query.value);
          await settle(deps, result.position);
          return success('Property successfully updated', 'PROPERTY_UPDATED');
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/users/:user_id/properties',
        scope: 'read:user_properties',
        summary: 'Get property values',
        operationId: 'getUserPropertyValues',
        params: UserIdParam,
        handler: async ({ params }) => {
          const view = await loadUserView(store, params.user_id);
          // The user's values, each with its definition (property streams are keyed by the property key, which is also its id).
          const properties = [];
          for (const [key, value] of Object.entries(view.user.properties)) {
            const { state } = await loadState(store, streams.property(key), propertyDecider);
            if (state.status !== 'defined') continue;
            properties.push({ id: key, name: state.name, description: state.description ?? null, key, value });
          }
          return { code: 'OK', message: 'Success', properties };
        },
      }),
      endpoint({
        method: 'patch',
        path: '/api/v1/users/:user_id/properties',
        scope: 'update:user_properties',
        summary: 'Update property values',
        operationId: 'updateUserProperties',
        params: UserIdParam,
        body: UpdatePropertiesBody,
        handler: async ({ params, body, ctx }) => {
          await loadUserView(store, params.user_id);
          const positions = [];
          for (const [key, value] of Object.entries(body.properties)) {
            positions.push((await users.setUserProperty(store, ctx, params.user_id, key, value)).position);
          }
          await settle(deps, ...positions);
          return success('Properties successfully updated', 'PROPERTIES_UPDATED');
        },
      }),
      endpoint({
        method: 'put',
        path: '/api/v1/users/:user_id/password',
        scope: 'update:user_passwords',
        summary: 'Set user password (a hash, never plain text)',
        operationId: 'setUserPassword',
        params: UserIdParam,
        body: SetPasswordBody,
        handler: async ({ params, body, ctx }) => {
          await loadUserView(store, params.user_id);
          const parsed = parseStoredPassword({
            hashed_password: body.hashed_password,
            hashing_method: body.hashing_method ?? 'bcrypt',
            salt: body.salt,
            salt_position: body.salt_position,
            salt_format: body.salt_format,
          });
          if (!parsed.ok) throw new HttpError('invalid', parsed.code, parsed.reason);
          const result = await users.setPassword(store, ctx, params.user_id, parsed.password, body.is_temporary_password ?? false);
          await settle(deps, result.position);
          return success('User successfully updated', 'PASSWORD_SET');
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/users/:user_id/identities',
        scope: 'read:user_identities',
        summary: 'Get identities',
        operationId: 'getUserIdentities',
        params: UserIdParam,
        query: z.object({ starting_after: z.string().max(200).optional(), ending_before: z.string().max(200).optional() }).strip(),
        handler: async ({ params, query }) => {
          const view = await loadUserView(store, params.user_id);
          let list = view.user.identities;
          if (query.starting_after) list = list.slice(list.findIndex((i) => i.id === query.starting_after) + 1);
          if (query.ending_before) {
            const idx = list.findIndex((i) => i.id === query.ending_before);
            if (idx >= 0) list = list.slice(0, idx);
          }
          return { code: 'OK', message: 'Success', identities: list.map((i) => kindeIdentity(view, i)), has_more: false };
        },
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/users/:user_id/identities',
        scope: 'create:user_identities',
        summary: 'Create identity',
        operationId: 'createUserIdentity',
        status: 201,
        params: UserIdParam,
        body: CreateIdentityBody,
        handler: async ({ params, body, ctx }) => {
          await loadUserView(store, params.user_id);
          let input: IdentityInput;
          if (body.type === 'social' || body.type === 'enterprise') {
            if (!body.connection_id) throw new HttpError('invalid', 'INVALID_REQUEST', `connection_id is required for ${body.type} identities`);
            const type = body.type === 'social' ? `oauth2:${body.connection_id.toLowerCase()}` : `enterprise:${body.connection_id}`;
            input = { type, identity: body.value, provider: body.connection_id };
          } else {
            input = { type: body.type, identity: body.type === 'phone' ? toE164(body.value, body.phone_country_id) : body.value };
          }
          const result = await users.addIdentity(store, ctx, params.user_id, input);
          await settle(deps, result.position);
          const added = result.events.find((e) => e.type === 'IdentityAdded');
          const id = added && added.type === 'IdentityAdded' ? added.data.identity.id : (await loadUserView(store, params.user_id)).user.identities.find((i) => i.identity === input.identity)?.id;
          return { message: 'Success', code: 'OK', identity: { ...opt('id', id) } };
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/users/:user_id/mfa',
        scope: 'read:user_mfa',
        summary: "Get user's MFA configuration",
        operationId: 'getUsersMfa',
        params: UserIdParam,
        handler: async ({ params }) => {
          const view = await loadUserView(store, params.user_id);
          const [mfa] = kindeMfaFactors(view, (s) => s.type === 'environment');
          if (!mfa) throw new HttpError('not_found', 'MFA_FACTOR_NOT_FOUND', 'The user has no MFA factor');
          return { message: 'Success', code: 'OK', mfa };
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/users/:user_id/mfa',
        scope: 'delete:user_mfa',
        summary: 'Reset all environment MFA for a user',
        operationId: 'resetUsersMfaAll',
        params: UserIdParam,
        handler: async ({ params, ctx }) => resetFactors(deps, params.user_id, { type: 'environment' }, undefined, ctx),
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/users/:user_id/mfa/:factor_id',
        scope: 'delete:user_mfa',
        summary: 'Reset specific environment MFA for a user',
        operationId: 'resetUsersMfa',
        params: z.object({ user_id: z.string().min(1), factor_id: z.string().min(1).max(100) }).strict(),
        handler: async ({ params, ctx }) => resetFactors(deps, params.user_id, { type: 'environment' }, params.factor_id, ctx),
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/users/:user_id/mfa',
        scope: 'create:user_mfa',
        summary: 'Enrol an MFA factor (Roster)',
        status: 201,
        params: UserIdParam,
        body: EnrolMfaBody,
        handler: async ({ params, body, ctx }) => {
          await loadUserView(store, params.user_id);
          const scope: MfaScope = body.org_code ? { type: 'organization', orgCode: body.org_code } : { type: 'environment' };
          if (body.org_code && !(await loadUserView(store, params.user_id)).user.organizations[body.org_code]) {
            throw new HttpError('invalid', 'USER_NOT_IN_ORGANIZATION', 'The user is not a member of this organization');
          }
          const factorId = ctx.newId.uuid();
          const result = await users.enrollMfaFactor(store, ctx, params.user_id, MFA_METHOD[body.type], scope, factorId);
          await settle(deps, result.position);
          return { code: 'MFA_FACTOR_ENROLLED', message: 'MFA factor enrolled', factor_id: factorId };
        },
      }),
      endpoint({
        method: 'post',
        path: '/api/v1/users/:user_id/policy_acceptances',
        scope: 'create:user_policy_acceptances',
        summary: 'Record that a user accepted the terms or privacy policy (Roster)',
        status: 201,
        params: UserIdParam,
        body: PolicyAcceptanceBody,
        handler: async ({ params, body, ctx }) => {
          await loadUserView(store, params.user_id);
          const { settings } = await loadBusinessSettings(store);
          const url = body.policy === 'terms' ? settings.termsUrl : settings.privacyUrl;
          if (!url) throw new HttpError('invalid', 'POLICY_URL_NOT_SET', `No ${body.policy} URL is set for the business`);
          const result = await users.acceptPolicy(store, ctx, params.user_id, body.policy, url, body.version);
          await settle(deps, result.position);
          return { code: 'POLICY_ACCEPTED', message: 'Policy acceptance recorded', policy: body.policy, url, ...opt('version', body.version), accepted_on: ctx.occurredAt };
        },
      }),
    ]);
}

/** Resets one factor, or every factor, in one MFA scope; 404 when there is none to reset. */
export async function resetFactors(deps: ApiDeps, userId: string, scope: MfaScope, factorId: string | undefined, ctx: import('../../commands/context').CommandContext) {
  const view = await loadUserView(deps.store, userId);
  const key = (s: MfaScope) => (s.type === 'environment' ? 'environment' : `organization:${s.orgCode}`);
  const factors = view.user.mfaFactors.filter((f) => key(f.scope) === key(scope) && (factorId === undefined || f.factorId === factorId));
  if (factors.length === 0) throw new HttpError('not_found', 'MFA_FACTOR_NOT_FOUND', 'MFA factor not found');
  const positions = [];
  for (const f of factors) positions.push((await users.resetMfa(deps.store, ctx, userId, scope, { factorId: f.factorId })).position);
  await settle(deps, ...positions);
  return success('User\u2019s MFA successfully reset', 'MFA_RESET');
}
