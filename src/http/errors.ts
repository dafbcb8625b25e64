import type { ErrorRequestHandler, RequestHandler } from 'express';
import { randomUUID } from 'node:crypto';
import { ZodError } from 'zod';
import { RosterError, type ErrorKind } from '../domain/errors';
import { UniqueValueTakenError, WrongExpectedRevisionError } from '../eventstore/types';
import type { Logger } from '../logger';
import { PasswordVerifierBusyError } from '../passwords/pool';

/**
 * Errors leave Roster in Kinde's shape, `{"errors":[{"code","message"}]}`. This
 * file is the one place where an error becomes an HTTP status: commands,
 * queries and routes throw errors of a kind (RosterError), and STATUS_BY_KIND
 * decides the status. An error of no known kind is a 500 whose correlation id
 * is logged with it and given to the caller, never a guess.
 */
export const STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  // Kinde answers 403 "invalid credentials" to its Management API for both missing and bad tokens.
  forbidden: 403,
  // only the end-user sign-in endpoint says 401
  unauthenticated: 401,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
};

/** An error raised by the HTTP layer itself (a route's own check); it has a kind like any other. */
export class HttpError extends RosterError {
  constructor(kind: ErrorKind, code: string, message: string) {
    super(kind, code, message);
    this.name = 'HttpError';
  }
}

export interface ErrorAnswer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Only for errors of no known kind: the id under which the error is logged. */
  readonly correlationId?: string;
}

/**
 * The whole table: any thrown value -> status, code and message. Pure, so it
 * is tested without a server; `correlationId` names an unknown error.
 */
export function answerFor(err: unknown, correlationId: () => string = randomUUID): ErrorAnswer {
  if (err instanceof RosterError) return { status: STATUS_BY_KIND[err.kind], code: err.code, message: err.message };
  // A conflict that outlived a command's retries, or a unique value another writer claimed first.
  if (err instanceof WrongExpectedRevisionError) return { status: 409, code: 'CONCURRENT_MODIFICATION', message: 'The resource was changed concurrently; try again' };
  if (err instanceof UniqueValueTakenError) return { status: 409, code: 'UNIQUE_VALUE_TAKEN', message: err.message };
  if (err instanceof PasswordVerifierBusyError) return { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'Password checks are busy; try again shortly' };
  if (err instanceof ZodError) {
    return { status: 400, code: 'INVALID_REQUEST', message: err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ') };
  }
  const e = err as { type?: unknown; expose?: unknown; status?: unknown } | null | undefined;
  if (e?.type === 'entity.too.large') return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' };
  if (e?.type === 'entity.parse.failed') return { status: 400, code: 'INVALID_JSON', message: 'Request body is not valid JSON' };
  if (typeof e?.type === 'string' && e.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    // Other body-parser refusals (unsupported charset or encoding, aborted request): the client's fault, said without internals.
    return e.status === 415
      ? { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported request body encoding or charset' }
      : { status: e.status, code: 'INVALID_REQUEST', message: 'Request body could not be read' };
  }
  const id = correlationId();
  return { status: 500, code: 'INTERNAL_ERROR', message: `Internal error (correlation id ${id})`, correlationId: id };
}

export function errorBody(code: string, message: string) {
  return { errors: [{ code, message }] };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError('not_found', 'ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`));
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const requestId = typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined;
    const answer = answerFor(err, () => requestId ?? randomUUID());
    if (answer.status >= 500) logger.error('request failed', { request_id: requestId, correlation_id: answer.correlationId, method: req.method, path: req.path, err });
    if (res.headersSent) return res.end();
    res.status(answer.status).json(errorBody(answer.code, answer.message));
  };
}
