import type { SignInRefusalCode } from '../../domain/user/sign-in';

export type SignInErrorCode = SignInRefusalCode | 'TOO_MANY_ATTEMPTS';

const STATUS: Record<SignInErrorCode, number> = {
  INVALID_CREDENTIALS: 401,
  USER_SUSPENDED: 403,
  PASSWORD_RESET_REQUIRED: 403,
  TOO_MANY_ATTEMPTS: 429,
};

const MESSAGES: Record<SignInErrorCode, string> = {
  INVALID_CREDENTIALS: 'The identity or password is incorrect',
  USER_SUSPENDED: 'This user is suspended and cannot sign in',
  PASSWORD_RESET_REQUIRED: 'The user must reset their password before signing in',
  TOO_MANY_ATTEMPTS: 'Too many failed sign-in attempts; try again later',
};

/** A refused sign-in. `status` is the HTTP status (the error middleware uses it). */
export class SignInError extends Error {
  readonly status: number;
  constructor(
    readonly code: SignInErrorCode,
    /** Only for TOO_MANY_ATTEMPTS: seconds until the oldest counted failure leaves the window. */
    readonly retryAfterSeconds?: number,
  ) {
    super(MESSAGES[code]);
    this.name = 'SignInError';
    this.status = STATUS[code];
  }
}
