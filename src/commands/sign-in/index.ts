/** Sign-in with a password: the handler, its limiter (in memory or in PostgreSQL), its pacer and its errors. */
export { signInWithPassword, type SignInDeps, type SignInInput } from './handler';
export { SignInError } from './errors';
export { createSignInLimiter, identityLimitKey, ipLimitKey, type SignInLimiter } from './limiter';
export { createPostgresSignInLimiter } from './limiter-postgres';
export { createSignInPacer, type SignInPacer } from './pacing';
export { signInFailureStream } from './attempts';
