/**
 * The console's only way to the server: the same HTTP API as every client,
 * authenticated by the operator's session cookie (never a token a script can
 * read). Every state-changing request carries the session's CSRF token.
 */
export interface Operator {
  readonly id: string;
  readonly email: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onSignedOut: () => void = () => {};

export function setCsrfToken(token: string) {
  csrfToken = token;
}

/** Called when the server says the session is gone (idle timeout, sign-out elsewhere). */
export function whenSignedOut(fn: () => void) {
  onSignedOut = fn;
}

type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

async function toError(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = res.statusText || 'The request failed';
  try {
    const body = (await res.json()) as { errors?: { code?: string; message?: string }[] };
    const first = body.errors?.[0];
    if (first?.code) code = first.code;
    if (first?.message) message = first.message;
    else if (first?.code) message = first.code;
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(res.status, code, message);
}

export async function request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(withQuery(path, query), { method, headers, body: payload, credentials: 'same-origin' });
  if (!res.ok) {
    const err = await toError(res);
    if (res.status === 401 && !path.startsWith('/admin/api/')) onSignedOut();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string, query?: Query) => request<T>('GET', path, undefined, query);
export const post = <T>(path: string, body?: unknown, query?: Query) => request<T>('POST', path, body, query);
export const patch = <T>(path: string, body?: unknown, query?: Query) => request<T>('PATCH', path, body, query);
export const put = <T>(path: string, body?: unknown, query?: Query) => request<T>('PUT', path, body, query);
export const del = <T>(path: string, query?: Query) => request<T>('DELETE', path, undefined, query);

export interface Session {
  readonly operator: Operator;
  readonly csrf_token: string;
}

/** The current session, or why there is none. */
export async function loadSession(): Promise<{ session: Session } | { session: null; setupRequired: boolean }> {
  const res = await fetch('/admin/api/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (res.ok) {
    const session = (await res.json()) as Session;
    setCsrfToken(session.csrf_token);
    return { session };
  }
  if (res.status === 401) {
    const body = (await res.json().catch(() => ({}))) as { setup_required?: boolean };
    return { session: null, setupRequired: body.setup_required === true };
  }
  throw await toError(res);
}

export const enc = encodeURIComponent;
