import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkEndpoint, untilAborted, type AllowRules, type Resolver } from '../net/endpoint-policy';

/**
 * One webhook POST, to an address that was checked: the host is resolved once,
 * every address is checked (endpoint-policy.ts), and the connection goes to the
 * checked address through a pinned `lookup` — a second DNS answer (rebinding)
 * is never asked for. The URL's host still names the request (Host header, TLS
 * SNI and certificate check). Redirects are not followed (a 3xx is a failure),
 * and each request has its own connection, so no pooled socket outlives a check.
 */
export class EndpointNotAllowedError extends Error {
  readonly code = 'WEBHOOK_ENDPOINT_NOT_ALLOWED';
}

export interface PostOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  readonly rules: AllowRules;
  readonly resolve: Resolver;
}

/** Resolves with the HTTP status; rejects with EndpointNotAllowedError, a network error or an abort. */
export async function postWebhook(endpoint: string, body: string, o: PostOptions): Promise<number> {
  const url = new URL(endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EndpointNotAllowedError(`endpoint scheme ${url.protocol} is not allowed`);
  // The timeout covers name resolution too: a resolver that never answers holds no slot.
  const check = await untilAborted(checkEndpoint(url, o.rules, o.resolve), o.signal);
  if (!check.ok) throw new EndpointNotAllowedError(check.reason);
  const pinned = check.addresses[0]!;
  const lookup = ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (opts?.all) cb(null, [{ address: pinned.address, family: pinned.family }]);
    else cb(null, pinned.address, pinned.family);
  }) as unknown as LookupFunction;
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<number>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...o.headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false,
        lookup,
        signal: o.signal,
      },
      (res) => {
        // The answer's body is not wanted: drain it so the socket closes.
        res.resume();
        res.on('error', () => {});
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
