import { RosterError, type ErrorKind } from '../../domain/errors';
import type { SignInRefusalCode } from '../../domain/user/sign-in';

export type SignInErrorCode = SignInRefusalCode | 'TOO_MANY_ATTEMPTS';

const KIND: Record<SignInErrorCode, ErrorKind> = {
  INVALID_CREDENTIALS: 'unauthenticated',
  USER_SUSPENDED: 'forbidden',
  PASSWORD_RESET_REQUIRED: 'forbidden',
  TOO_MANY_ATTEMPTS: 'rate_limited',
};

const MESSAGES: Record<SignInErrorCode, string> = {
  INVALID_CREDENTIALS: 'The identity or password is incorrect',
  USER_SUSPENDED: 'This user is suspended and cannot sign in',
  PASSWORD_RESET_REQUIRED: 'The user must reset their password before signing in',
  TOO_MANY_ATTEMPTS: 'Too many failed sign-in attempts; try again later',
};

/** A refused sign-in; its kind (not an HTTP status) says what sort of refusal it is. */
export class SignInError extends RosterError {
  declare readonly code: SignInErrorCode;
  constructor(
    code: SignInErrorCode,
    /** Only for TOO_MANY_ATTEMPTS: seconds until the oldest counted failure leaves the window. */
    readonly retryAfterSeconds?: number,
  ) {
    super(KIND[code], code, MESSAGES[code]);
    this.name = 'SignInError';
  }
}
