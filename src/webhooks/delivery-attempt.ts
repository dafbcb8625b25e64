import type { Logger } from '../logger';
import { ALLOW_HINT, type AllowRules, type Resolver } from '../net/endpoint-policy';
import { EndpointNotAllowedError, postWebhook } from './send';

/**
 * One attempt at a delivery: the signed body POSTed (send.ts) within the request
 * timeout, and what came of it as the delivery log shows it — an HTTP status, or
 * an error message that names the cause (a timeout, a network error code, an
 * endpoint the policy refuses). Never throws.
 */
export interface Outcome {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
  readonly latencyMs: number;
  /** Not worth retrying (the endpoint is not allowed). */
  readonly permanent?: boolean;
}

export interface AttemptOptions {
  readonly timeoutMs: number;
  readonly rules: AllowRules;
  readonly resolve: Resolver;
  readonly logger: Logger;
}

export async function attemptDelivery(endpoint: string, body: string, stop: AbortSignal, o: AttemptOptions): Promise<Outcome> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const timeout = AbortSignal.timeout(o.timeoutMs);
  try {
    const status = await postWebhook(endpoint, body, {
      headers: { 'content-type': 'application/jwt', 'user-agent': 'Roster-Webhooks/1.0' },
      signal: AbortSignal.any([timeout, stop]),
      rules: o.rules,
      resolve: o.resolve,
    });
    const ok = status >= 200 && status < 300;
    return { ok, status, error: ok ? null : `endpoint answered HTTP ${status}`, latencyMs: latency() };
  } catch (err) {
    if (err instanceof EndpointNotAllowedError) {
      o.logger.warn('webhook endpoint refused', { reason: err.message });
      return { ok: false, status: null, error: `${err.message}; ${ALLOW_HINT}`.slice(0, 300), latencyMs: latency(), permanent: true };
    }
    const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
    const error = timeout.aborted
      ? `timed out after ${o.timeoutMs} ms`
      : e.code
        ? `request failed: ${e.code}`
        : e.cause?.code
          ? `request failed: ${e.cause.code}`
          : `request failed: ${(e.cause?.message ?? e.message ?? String(err)).slice(0, 300)}`;
    return { ok: false, status: null, error, latencyMs: latency() };
  }
}
