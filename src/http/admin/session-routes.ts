import type { NextFunction, Request, Response, Router } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { operatorContext, recordAdminEvent } from '../../commands/admin-events';
import type { SignInLimiter } from '../../commands/sign-in';
import { adminStreams } from '../../domain/admin/events';
import type { EventStore } from '../../eventstore/types';
import type { Logger } from '../../logger';
import { createOperator, findOperatorByEmail, recordSignIn, validateNewOperator } from '../../operators/operators';
import type { OperatorSession, Sessions } from '../../operators/sessions';
import { consumeSetupToken, setupRequired } from '../../operators/setup-token';
import { verifyTotp } from '../../operators/totp';
import type { PasswordVerifier } from '../../passwords';
import { errorBody, HttpError } from '../errors';
import { clearSessionCookie, isHttps, readSessionCookie, setSessionCookie } from './cookies';
import { assertCsrfToken, assertSameOrigin } from './csrf';

/**
 * The console's own endpoints, under /admin/api: who is signed in, first-operator
 * setup, sign-in and sign-out. Everything else the console does goes through
 * the public API (/api/v1) with the session cookie.
 */
export interface AdminSessionDeps {
  readonly knex: Knex;
  /** Where setup, sign-in (failed too) and sign-out are recorded, for the audit log. */
  readonly store: EventStore;
  readonly passwords: Pick<PasswordVerifier, 'hash' | 'verify' | 'verifyDummy'>;
  readonly sessions: Sessions;
  readonly limiter: SignInLimiter;
  readonly logger: Logger;
  readonly publicUrl?: string;
}

const SetupBody = z
  .object({
    token: z.string().min(1).max(200),
    email: z.string().min(1).max(320),
    password: z.string().min(1).max(1024),
    totp_secret: z.string().min(1).max(200).optional(),
    totp_code: z.string().min(1).max(20).optional(),
  })
  .strict();

const SignInBody = z
  .object({
    email: z.string().min(1).max(320),
    password: z.string().min(1).max(1024),
    totp_code: z.string().min(1).max(20).optional(),
  })
  .strict();

const signedIn = (s: OperatorSession) => ({ operator: { id: s.operator.id, email: s.operator.email }, csrf_token: s.csrfToken });
const invalidCredentials = () => new HttpError('unauthenticated', 'INVALID_CREDENTIALS', 'The email, password or code is not correct');

type Handler = (req: Request, res: Response) => Promise<void>;
const wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) => void h(req, res).catch(next);

export function adminSessionRoutes(deps: AdminSessionDeps) {
  const meta = (req: Request) => ({ ip: req.ip, userAgent: req.header('user-agent') });
  const ctxOf = (req: Request, res: Response, operatorId?: string) =>
    operatorContext(operatorId, { ...meta(req), correlationId: typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined });
  const signInFailed = (req: Request, res: Response, email: string, reason: 'unknown_operator' | 'operator_disabled' | 'wrong_password' | 'wrong_code', operatorId?: string) =>
    recordAdminEvent(
      deps.store,
      operatorId ? adminStreams.operator(operatorId) : adminStreams.unknownOperatorSignIns(),
      { type: 'OperatorSignInFailed', data: { ...(operatorId ? { operatorId } : {}), email: email.trim().slice(0, 320), reason } },
      ctxOf(req, res, operatorId),
    ).catch((err: unknown) => {
      deps.logger.error('a failed operator sign-in could not be recorded', { err });
    });

  async function startSession(req: Request, res: Response, operator: { id: string; email: string }) {
    const { cookieValue, session } = await deps.sessions.create(operator, meta(req));
    setSessionCookie(res, cookieValue, isHttps(req, deps.publicUrl));
    res.status(200).json(signedIn(session));
  }

  return (router: Router) => {
    router.use('/admin/api', (_req, res, next) => {
      // Nothing under /admin/api may be cached: it carries the CSRF token.
      res.setHeader('Cache-Control', 'no-store');
      next();
    });

    router.get(
      '/admin/api/session',
      wrap(async (req, res) => {
        const cookie = readSessionCookie(req);
        const session = cookie ? await deps.sessions.touch(cookie) : undefined;
        if (session) {
          res.json(signedIn(session));
          return;
        }
        if (cookie) clearSessionCookie(res, isHttps(req, deps.publicUrl));
        res.status(401).json({ ...errorBody('NOT_SIGNED_IN', 'Sign in to use the console'), setup_required: await setupRequired(deps.knex) });
      }),
    );

    router.post(
      '/admin/api/setup',
      wrap(async (req, res) => {
        assertSameOrigin(req, deps.publicUrl);
        const parsed = SetupBody.parse(req.body ?? {});
        // Authenticator apps show secrets in groups, sometimes lower-case.
        const body = { ...parsed, ...(parsed.totp_secret !== undefined ? { totp_secret: parsed.totp_secret.replace(/\s+/g, '').toUpperCase() } : {}) };
        const result = await consumeSetupToken(deps.knex, body.token, async (trx) => {
          // Inside the transaction: any refusal below leaves the token unused.
          validateNewOperator({ email: body.email, password: body.password, ...(body.totp_secret ? { totpSecret: body.totp_secret } : {}) });
          if (body.totp_secret !== undefined && (body.totp_code === undefined || !verifyTotp(body.totp_secret, body.totp_code))) {
            throw new HttpError('invalid', 'TOTP_CODE_INVALID', 'The code does not match the TOTP secret: check the authenticator app and try again');
          }
          return createOperator(trx, deps.passwords, { email: body.email, password: body.password, ...(body.totp_secret ? { totpSecret: body.totp_secret } : {}) });
        });
        if (!result.ok) throw new HttpError('invalid', 'SETUP_TOKEN_INVALID', 'The setup link is invalid, expired or already used');
        deps.logger.info('first operator created', { operator_id: result.value.id });
        const op = result.value;
        const ctx = ctxOf(req, res, op.id);
        await recordAdminEvent(deps.store, adminStreams.operator(op.id), { type: 'OperatorCreated', data: { operatorId: op.id, email: op.email, totp: op.hasTotp, firstOperator: true } }, ctx);
        await recordAdminEvent(deps.store, adminStreams.operator(op.id), { type: 'OperatorSignedIn', data: { operatorId: op.id, email: op.email } }, ctx);
        await recordSignIn(deps.knex, result.value.id);
        await startSession(req, res, result.value);
      }),
    );

    router.post(
      '/admin/api/sign_in',
      wrap(async (req, res) => {
        assertSameOrigin(req, deps.publicUrl);
        const body = SignInBody.parse(req.body ?? {});
        const decision = await deps.limiter.begin({ identity: `operator:${body.email.trim().toLowerCase()}`, ...(req.ip ? { ip: req.ip } : {}) });
        if (!decision.allowed) {
          res.setHeader('Retry-After', String(decision.retryAfterSeconds));
          throw new HttpError('rate_limited', 'TOO_MANY_ATTEMPTS', 'Too many failed sign-in attempts; try again later');
        }
        const { ticket } = decision;
        try {
          const operator = await findOperatorByEmail(deps.knex, body.email);
          // Same bcrypt cost whether or not the operator exists.
          const ok = operator && !operator.disabledAt ? await deps.passwords.verify(operator.password, body.password) : await deps.passwords.verifyDummy(body.password);
          if (!operator || !ok) {
            await ticket.failed();
            await signInFailed(req, res, body.email, !operator ? 'unknown_operator' : operator.disabledAt ? 'operator_disabled' : 'wrong_password', operator?.id);
            deps.logger.info('operator sign-in failed', { ip: req.ip });
            throw invalidCredentials();
          }
          if (operator.totpSecret) {
            if (body.totp_code === undefined) {
              await ticket.cancelled();
              throw new HttpError('unauthenticated', 'TOTP_REQUIRED', 'Enter the code from your authenticator app');
            }
            if (!verifyTotp(operator.totpSecret, body.totp_code)) {
              await ticket.failed();
              await signInFailed(req, res, body.email, 'wrong_code', operator.id);
              throw invalidCredentials();
            }
          }
          await ticket.succeeded();
          await recordAdminEvent(deps.store, adminStreams.operator(operator.id), { type: 'OperatorSignedIn', data: { operatorId: operator.id, email: operator.email } }, ctxOf(req, res, operator.id));
          await recordSignIn(deps.knex, operator.id);
          deps.logger.info('operator signed in', { operator_id: operator.id, ip: req.ip });
          await startSession(req, res, operator);
        } catch (err) {
          if (!(err instanceof HttpError)) await ticket.cancelled();
          throw err;
        }
      }),
    );

    router.post(
      '/admin/api/sign_out',
      wrap(async (req, res) => {
        const cookie = readSessionCookie(req);
        const session = cookie ? await deps.sessions.touch(cookie) : undefined;
        if (cookie && session) {
          // A live session is only ended by its own page (a forged sign-out is refused).
          assertSameOrigin(req, deps.publicUrl);
          assertCsrfToken(req, session.csrfToken);
          await deps.sessions.end(cookie);
          const { id, email } = session.operator;
          await recordAdminEvent(deps.store, adminStreams.operator(id), { type: 'OperatorSignedOut', data: { operatorId: id, email } }, ctxOf(req, res, id));
          deps.logger.info('operator signed out', { operator_id: session.operator.id });
        }
        clearSessionCookie(res, isHttps(req, deps.publicUrl));
        res.status(204).end();
      }),
    );
  };
}
