/** Sign-in with a password: the handler, its limiter (in memory or in PostgreSQL), its pacer and its errors. */
export { signInWithPassword, type SignInDeps, type SignInInput, type SignInResult } from './handler';
export type { SignInNextStep } from '../../domain/user/sign-in';
export { SignInError, type SignInErrorCode } from './errors';
export {
  createSignInLimiter,
  identityLimitKey,
  ipLimitKey,
  type SignInLimiter,
  type SignInLimiterDecision,
  type SignInLimiterOptions,
  type SignInLimiterTicket,
} from './limiter';
export { createPostgresSignInLimiter } from './limiter-postgres';
export { createSignInPacer, type SignInPacer } from './pacing';
export { resolveIdentity } from './resolve-identity';
export { signInFailureStream } from './attempts';
