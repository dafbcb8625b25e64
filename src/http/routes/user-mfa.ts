import type { Router } from 'express';
import { z } from 'zod';
import type { CommandContext } from '../../commands/context';
import * as users from '../../commands/users';
import type { MfaMethod, MfaScope } from '../../domain/user/events';
import { mfaScopeKey } from '../../domain/user/state';
import { endpoint, mount, settle, success, type ApiDeps, type EndpointRegistry } from '../api';
import { HttpError } from '../errors';
import { loadUserView } from '../../projections/time-travel/user-view';
import { kindeMfaFactors } from '../views/user-stream';
import { UserIdParam } from './users';

const EnrolMfaBody = z.object({ type: z.enum(['totp', 'sms', 'email']), org_code: z.string().max(64).optional() }).strict();
const MFA_METHOD: Record<'totp' | 'sms' | 'email', MfaMethod> = { totp: 'authenticator_app', sms: 'sms', email: 'email' };

/** Kinde's endpoints for a user's environment MFA, and Roster's MFA enrolment. */
export function userMfaRoutes(deps: ApiDeps, registry?: EndpointRegistry) {
  const { store } = deps;
  return (router: Router) =>
    mount(router, deps, registry, [
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
    ]);
}

/** Resets one factor, or every factor, in one MFA scope; 404 when there is none to reset. */
export async function resetFactors(deps: ApiDeps, userId: string, scope: MfaScope, factorId: string | undefined, ctx: CommandContext) {
  const view = await loadUserView(deps.store, userId);
  const factors = view.user.mfaFactors.filter((f) => mfaScopeKey(f.scope) === mfaScopeKey(scope) && (factorId === undefined || f.factorId === factorId));
  if (factors.length === 0) throw new HttpError('not_found', 'MFA_FACTOR_NOT_FOUND', 'MFA factor not found');
  const positions = [];
  for (const f of factors) positions.push((await users.resetMfa(deps.store, ctx, userId, scope, { factorId: f.factorId })).position);
  await settle(deps, ...positions);
  return success('User\u2019s MFA successfully reset', 'MFA_RESET');
}
