import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '../logger';

/**
 * Errors leave Roster in Kinde's shape, `{"errors":[{"code","message"}]}`. This
 * file is the one place where error codes map to HTTP statuses.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Domain and application error codes -> HTTP status. Unlisted codes with a `code` are 400. */
const STATUS_BY_CODE: Record<string, number> = {
  // authentication / authorisation (Kinde answers 403 "invalid credentials" for both)
  INVALID_CREDENTIALS: 403,
  MISSING_SCOPE: 403,
  UNAUTHORIZED: 403,
  // not found
  ROUTE_NOT_FOUND: 404,
  NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  ORGANIZATION_NOT_FOUND: 404,
  ROLE_NOT_FOUND: 404,
  PERMISSION_NOT_FOUND: 404,
  SUBSCRIBER_NOT_FOUND: 404,
  IDENTITY_NOT_FOUND: 404,
  PROPERTY_NOT_FOUND: 404,
  IMPORT_NOT_FOUND: 404,
  WEBHOOK_NOT_FOUND: 404,
  EVENT_NOT_FOUND: 404,
  PROJECTION_NOT_FOUND: 404,
  MFA_FACTOR_NOT_FOUND: 404,
  USER_DELETED: 404,
  // conflicts
  EMAIL_TAKEN: 409,
  USERNAME_TAKEN: 409,
  PHONE_TAKEN: 409,
  PROVIDED_ID_TAKEN: 409,
  EXTERNAL_ID_TAKEN: 409,
  ROLE_KEY_TAKEN: 409,
  PERMISSION_KEY_TAKEN: 409,
  PROPERTY_KEY_TAKEN: 409,
  CONCURRENT_MODIFICATION: 409,
  CONCURRENCY_CONFLICT: 409,
  ORG_EXTERNAL_ID_TAKEN: 409,
  SUBSCRIBER_EMAIL_TAKEN: 409,
  SOCIAL_IDENTITY_TAKEN: 409,
  ENTERPRISE_IDENTITY_TAKEN: 409,
  USER_ALREADY_EXISTS: 409,
  ORGANIZATION_ALREADY_EXISTS: 409,
  ROLE_ALREADY_EXISTS: 409,
  PERMISSION_ALREADY_EXISTS: 409,
  SUBSCRIBER_ALREADY_EXISTS: 409,
  PROJECTION_REBUILDING: 409,
  // sizes and rates
  PAYLOAD_TOO_LARGE: 413,
  FILE_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_ATTEMPTS: 429,
  // sign-in
  USER_SUSPENDED: 403,
  PASSWORD_RESET_REQUIRED: 403,
  SERVICE_UNAVAILABLE: 503,
};

export function statusForCode(code: string): number {
  return STATUS_BY_CODE[code] ?? 400;
}

export function errorBody(code: string, message: string) {
  return { errors: [{ code, message }] };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`));
};

/**
 * Node's own errors (ECONNREFUSED, ENOENT, ERR_…) also carry an upper-case
 * code, but their messages name hosts, ports and paths: they are internal
 * errors (500), never a client's 400.
 */
function isSystemError(err: { code: string; syscall?: unknown; errno?: unknown }): boolean {
  return err.syscall !== undefined || err.errno !== undefined || err.code.startsWith('ERR_') || /^E[A-Z]+$/.test(err.code);
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status: number;
    let code: string;
    let message: string;
    if (err instanceof HttpError) {
      ({ status, code, message } = err);
    } else if (err instanceof ZodError) {
      status = 400;
      code = 'INVALID_REQUEST';
      message = err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    } else if (err?.type === 'entity.too.large') {
      status = 413;
      code = 'PAYLOAD_TOO_LARGE';
      message = 'Request body is too large';
    } else if (err?.type === 'entity.parse.failed') {
      status = 400;
      code = 'INVALID_JSON';
      message = 'Request body is not valid JSON';
    } else if (typeof err?.type === 'string' && err.expose === true && typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      // Other body-parser refusals (unsupported charset or encoding, aborted request): the client's fault, said without internals.
      status = err.status;
      code = status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_REQUEST';
      message = status === 415 ? 'Unsupported request body encoding or charset' : 'Request body could not be read';
    } else if (typeof err?.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(err.code) && typeof err.message === 'string' && !isSystemError(err)) {
      code = err.code;
      status = typeof err.status === 'number' ? err.status : statusForCode(code);
      message = err.message;
    } else {
      status = 500;
      code = 'INTERNAL_ERROR';
      message = 'Internal error';
    }
    if (status >= 500) logger.error('request failed', { request_id: res.locals.requestId, method: req.method, path: req.path, err });
    if (res.headersSent) return res.end();
    res.status(status).json(errorBody(code, message));
  };
}
