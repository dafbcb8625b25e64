import type { Router } from 'express';
import { z } from 'zod';
import { signInWithPassword, SignInError, type SignInLimiter, type SignInPacer } from '../../commands/sign-in';
import { OrgCodeSchema } from '../../domain/shared';
import type { EventStore } from '../../eventstore/types';
import { PasswordVerifierBusyError, type PasswordVerifier } from '../../passwords';
import { endpoint, mount, type EndpointRegistry } from '../api';
import { HttpError } from '../errors';

/**
 * POST /api/v1/sign_in/password (scope `create:sign_ins`): a product's backend
 * passes on what its user typed, with the user's IP and user agent. Answers:
 * 200 {user_id, next_step}; 401 INVALID_CREDENTIALS (wrong password, unknown
 * identity and no password alike); 403 USER_SUSPENDED; 403
 * PASSWORD_RESET_REQUIRED; 429 TOO_MANY_ATTEMPTS (with Retry-After); 503 when
 * the password workers are saturated (with Retry-After).
 */
export interface SignInRouteDeps {
  readonly store: EventStore;
  readonly passwords: PasswordVerifier;
  readonly bcryptCost: number;
  readonly limiter: SignInLimiter;
  /** Holds every 401 to one pace, so an existing identity does not answer later than an unknown one. */
  readonly pacer?: SignInPacer;
  readonly trustedLocationHeader?: string;
}

const SignInBody = z
  .object({
    /** Email, username or phone (E.164). */
    identity: z.string().min(1).max(320),
    /** Longer than 4,096 UTF-8 bytes never verifies (the passwords library's bound). */
    password: z.string().max(4096),
    /** The end user's IP as the product saw it; the per-IP rate-limit key. */
    ip: z.string().max(64).optional(),
    user_agent: z.string().max(1024).optional(),
    application: z.string().max(255).optional(),
    org_code: OrgCodeSchema.optional(),
  })
  .strict();

const SignInResponse = z.object({
  user_id: z.string(),
  next_step: z.enum(['set_new_password', 'verify_identity']).nullable(),
});

export function signInRoutes(deps: SignInRouteDeps, registry?: EndpointRegistry): (router: Router) => void {
  return (router) =>
    mount(router, deps, registry, [
      endpoint<Record<string, never>, Record<string, never>, z.infer<typeof SignInBody>>({
        method: 'post',
        path: '/api/v1/sign_in/password',
        scope: 'create:sign_ins',
        summary: 'Sign in with an identity (email, username or phone) and a password',
        operationId: 'signInWithPassword',
        body: SignInBody,
        response: SignInResponse,
        handler: async ({ body, req, res }) => {
          const location = deps.trustedLocationHeader ? req.header(deps.trustedLocationHeader) : undefined;
          // ip and user agent are the end user's, as the product passes them; the calling backend's own are not theirs.
          const userAgent = body.user_agent;
          try {
            return await signInWithPassword(
              { store: deps.store, passwords: deps.passwords, bcryptCost: deps.bcryptCost, limiter: deps.limiter, ...(deps.pacer ? { pacer: deps.pacer } : {}) },
              {
                identity: body.identity,
                password: body.password,
                ...(body.ip !== undefined ? { ip: body.ip } : {}),
                ...(userAgent ? { userAgent } : {}),
                ...(body.application !== undefined ? { application: body.application } : {}),
                ...(body.org_code !== undefined ? { orgCode: body.org_code } : {}),
                ...(typeof res.locals.requestId === 'string' ? { correlationId: res.locals.requestId } : {}),
                ...(location ? { location: location.slice(0, 200) } : {}),
              },
            );
          } catch (err) {
            if (err instanceof SignInError) {
              if (err.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.retryAfterSeconds));
              throw err;
            }
            if (err instanceof PasswordVerifierBusyError) {
              res.setHeader('Retry-After', '1');
              throw new HttpError('unavailable', 'SERVICE_UNAVAILABLE', 'Sign-in is busy; try again shortly');
            }
            throw err;
          }
        },
      }),
    ]);
}
