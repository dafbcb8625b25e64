import type { Router } from 'express';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { loadBusinessSettings } from '../../commands/settings';
import * as users from '../../commands/users';
import type { IdentityInput } from '../../domain/user/identity';
import { HASHING_METHODS, kindePbkdf2ToPasslib, parseStoredPassword } from '../../passwords';
import { csv, endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';
import { HttpError } from '../errors';
import { loadUserView } from '../../projections/time-travel/user-view';
import { kindeUser, opt, primaryValue } from '../views/user-stream';

/**
 * Kinde's Users endpoints (one user at a time; lists are in lists.ts; a user's
 * properties and feature flags, identities and MFA have their own modules) and
 * Roster's addition for policy acceptance.
 */
export const UserIdParam = z.object({ user_id: z.string().min(1).max(100) }).strict();
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

const SetPasswordBody = z.object({
  hashed_password: z.string().min(1).max(1024),
  // Kinde's five plus the families Roster accepts beyond them (README, "Password hashes").
  hashing_method: z.enum(HASHING_METHODS).optional(),
  salt: z.string().max(1024).optional(),
  salt_position: z.enum(['prefix', 'suffix']).optional(),
  salt_format: z.enum(['string', 'hex']).optional(),
  // The same setting under the name some Kinde material uses; both given must agree.
  salt_string_format: z.enum(['string', 'hex']).optional(),
  // Roster's extension: parameters not in the hash string, as an import's NDJSON `password.params`
  // (scrypt `n`/`r`/`p`/`key_length`; firebase_scrypt `signer_key`/`salt_separator`/`rounds`/`mem_cost`).
  params: z
    .record(z.string().regex(/^[a-z0-9_]{1,32}$/), z.union([z.string().max(1024), z.number()]))
    .refine((p) => Object.keys(p).length <= 16, 'at most 16 params')
    .optional(),
  iterations: z.number().int().optional(),
  variant: z.string().max(64).optional(),
  is_temporary_password: z.boolean().optional(),
});

const PolicyAcceptanceBody = z.object({ policy: z.enum(['terms', 'privacy']), version: z.string().min(1).max(100).optional() }).strict();

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
        method: 'put',
        path: '/api/v1/users/:user_id/password',
        scope: 'update:user_passwords',
        summary: 'Set user password (a hash, never plain text)',
        operationId: 'setUserPassword',
        params: UserIdParam,
        body: SetPasswordBody,
        handler: async ({ params, body, ctx }) => {
          await loadUserView(store, params.user_id);
          if (body.salt_format && body.salt_string_format && body.salt_format !== body.salt_string_format) {
            throw new HttpError('invalid', 'SALT_INVALID', 'salt_format and salt_string_format disagree');
          }
          // Kinde's pbkdf2 form (base64 key and salt, iterations, FusionAuth variant) becomes the passlib string Roster stores.
          let hashed = body.hashed_password;
          let salt = body.salt;
          if (body.hashing_method === 'pbkdf2' && body.variant !== undefined) {
            const converted = kindePbkdf2ToPasslib({ hash: body.hashed_password, salt: body.salt, iterations: body.iterations, variant: body.variant });
            if (!converted.ok) throw new HttpError('invalid', converted.code, converted.reason);
            hashed = converted.hash;
            salt = undefined;
          }
          const parsed = parseStoredPassword({
            hashed_password: hashed,
            hashing_method: body.hashing_method ?? 'bcrypt',
            salt,
            salt_position: body.salt_position,
            salt_format: body.salt_format ?? body.salt_string_format,
            params: body.params,
          });
          if (!parsed.ok) throw new HttpError('invalid', parsed.code, parsed.reason);
          const result = await users.setPassword(store, ctx, params.user_id, parsed.password, body.is_temporary_password ?? false);
          await settle(deps, result.position);
          return success('User successfully updated', 'PASSWORD_SET');
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
