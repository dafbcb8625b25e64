import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SignInError } from '../../src/commands/sign-in/errors';
import { DomainError, queryError, RosterError, type ErrorKind } from '../../src/domain/errors';
import { WebhookError } from '../../src/domain/webhook/decider';
import { UniqueValueTakenError, WrongExpectedRevisionError } from '../../src/eventstore/types';
import { answerFor, errorHandler, STATUS_BY_KIND } from '../../src/http/errors';
import { PasswordVerifierBusyError } from '../../src/passwords/pool';

/** The one error table: kinds decide statuses; nothing else does. */
describe('answerFor', () => {
  it.each<[ErrorKind, number]>([
    ['invalid', 400],
    ['unauthenticated', 401],
    ['forbidden', 403],
    ['not_found', 404],
    ['conflict', 409],
    ['too_large', 413],
    ['unsupported_media_type', 415],
    ['rate_limited', 429],
    ['unavailable', 503],
  ])('kind %s answers %i with the error own code and message', (kind, status) => {
    expect(STATUS_BY_KIND[kind]).toBe(status);
    expect(answerFor(new RosterError(kind, 'SOME_CODE', 'said plainly'))).toEqual({ status, code: 'SOME_CODE', message: 'said plainly' });
  });

  it.each<[string, unknown, number, string]>([
    ['a taken email (domain)', new DomainError('EMAIL_TAKEN', 'taken'), 409, 'EMAIL_TAKEN'],
    ['a missing user (domain)', new DomainError('USER_NOT_FOUND', 'no'), 404, 'USER_NOT_FOUND'],
    ['a deleted user (domain)', new DomainError('USER_DELETED', 'gone'), 404, 'USER_DELETED'],
    ['a suspended user (domain)', new DomainError('USER_SUSPENDED', 'no'), 403, 'USER_SUSPENDED'],
    ['a broken rule (domain)', new DomainError('LAST_IDENTITY', 'no'), 400, 'LAST_IDENTITY'],
    ['a bad paging token (query)', queryError('invalid', 'INVALID_NEXT_TOKEN', 'bad'), 400, 'INVALID_NEXT_TOKEN'],
    ['a wrong password (sign-in)', new SignInError('INVALID_CREDENTIALS'), 401, 'INVALID_CREDENTIALS'],
    ['too many attempts (sign-in)', new SignInError('TOO_MANY_ATTEMPTS', 30), 429, 'TOO_MANY_ATTEMPTS'],
    ['a missing webhook', new WebhookError('WEBHOOK_NOT_FOUND', 'no'), 404, 'WEBHOOK_NOT_FOUND'],
    ['a local webhook endpoint', new WebhookError('WEBHOOK_ENDPOINT_NOT_ALLOWED', 'no'), 400, 'WEBHOOK_ENDPOINT_NOT_ALLOWED'],
    ['a conflict that outlived the retries', new WrongExpectedRevisionError('user-1', 3, 4), 409, 'CONCURRENT_MODIFICATION'],
    ['a unique value claimed by another writer', new UniqueValueTakenError('email', 'a@example.com', 'user-2'), 409, 'UNIQUE_VALUE_TAKEN'],
    ['a full password queue', new PasswordVerifierBusyError(), 503, 'SERVICE_UNAVAILABLE'],
  ])('%s', (_name, err, status, code) => {
    expect(answerFor(err)).toMatchObject({ status, code });
  });

  it('a zod refusal is a 400 INVALID_REQUEST naming the field', () => {
    const parsed = z.object({ email: z.string() }).safeParse({ email: 1 });
    expect(answerFor(parsed.error)).toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('email') });
  });

  it.each<[string, unknown]>([
    ['a plain Error', new Error('db exploded at 10.0.0.3:5432')],
    ['an error with an upper-case code but no kind', Object.assign(new Error('x'), { code: 'SOMETHING_ODD', status: 400 })],
    ['a Node system error', Object.assign(new Error('connect ECONNREFUSED 10.0.0.3:5432'), { code: 'ECONNREFUSED', syscall: 'connect' })],
    ['a thrown string', 'boom'],
  ])('%s is a 500 with a correlation id and no internals', (_name, err) => {
    const answer = answerFor(err, () => 'corr-1');
    expect(answer).toEqual({ status: 500, code: 'INTERNAL_ERROR', message: 'Internal error (correlation id corr-1)', correlationId: 'corr-1' });
  });
});

describe('errorHandler', () => {
  function run(err: unknown) {
    const logged: Record<string, unknown>[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (_m: string, f?: Record<string, unknown>) => void logged.push(f ?? {}), child: () => logger };
    const sent: { status?: number; body?: unknown } = {};
    const res = {
      locals: { requestId: 'req-42' },
      headersSent: false,
      status(s: number) {
        sent.status = s;
        return this;
      },
      json(b: unknown) {
        sent.body = b;
        return this;
      },
    };
    errorHandler(logger)(err, { method: 'GET', path: '/api/v1/x' } as never, res as never, () => {});
    return { sent, logged };
  }

  it('an unknown error is logged under the correlation id the caller is given (the request id)', () => {
    const { sent, logged } = run(new Error('secret internals'));
    expect(sent).toEqual({ status: 500, body: { errors: [{ code: 'INTERNAL_ERROR', message: 'Internal error (correlation id req-42)' }] } });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ correlation_id: 'req-42', path: '/api/v1/x' });
  });

  it('a refusal of a known kind is answered in Kinde shape and not logged as an error', () => {
    const { sent, logged } = run(new DomainError('EMAIL_TAKEN', 'The email is taken'));
    expect(sent).toEqual({ status: 409, body: { errors: [{ code: 'EMAIL_TAKEN', message: 'The email is taken' }] } });
    expect(logged).toEqual([]);
  });
});
