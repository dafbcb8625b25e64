import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * Console sessions. The cookie carries a random id; the table keeps only its
 * SHA-256 digest, so a leaked table cannot be replayed as cookies. A session
 * ends after `idleMinutes` without a request, at sign-out, or when its
 * operator is disabled. Each session has its own CSRF token, handed to the
 * page by GET /admin/api/session and required on every state-changing request.
 */
export const SESSION_COOKIE = 'roster_admin';

export interface OperatorSession {
  readonly operator: { readonly id: string; readonly email: string };
  readonly csrfToken: string;
}

export const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface Sessions {
  /** A new session for an operator: the cookie value (shown once) and the session. */
  create(operator: { id: string; email: string }, meta?: { ip?: string; userAgent?: string }): Promise<{ cookieValue: string; session: OperatorSession }>;
  /** The live session behind a cookie value, its idle clock reset; undefined when unknown, idle too long or disabled. */
  touch(cookieValue: string): Promise<OperatorSession | undefined>;
  end(cookieValue: string): Promise<void>;
}

export function createSessions(knex: Knex, idleMinutes: number): Sessions {
  return {
    async create(operator, meta = {}) {
      const cookieValue = randomBytes(32).toString('base64url');
      const csrfToken = randomBytes(32).toString('base64url');
      await knex('operator_sessions').insert({
        id_hash: digest(cookieValue),
        operator_id: operator.id,
        csrf_token: csrfToken,
        ip: meta.ip ?? null,
        user_agent: meta.userAgent?.slice(0, 512) ?? null,
      });
      return { cookieValue, session: { operator: { id: operator.id, email: operator.email }, csrfToken } };
    },

    async touch(cookieValue) {
      if (!/^[A-Za-z0-9_-]{20,100}$/.test(cookieValue)) return undefined;
      // One statement checks the idle limit and the operator, and resets the clock.
      const { rows } = await knex.raw<{ rows: { id: string; email: string; csrf_token: string }[] }>(
        `update operator_sessions s set last_seen_at = now()
           from operators o
          where s.id_hash = ? and o.id = s.operator_id and o.disabled_at is null
            and s.last_seen_at > now() - make_interval(mins => ?)
        returning o.id, o.email, s.csrf_token`,
        [digest(cookieValue), idleMinutes],
      );
      const r = rows[0];
      return r ? { operator: { id: r.id, email: r.email }, csrfToken: r.csrf_token } : undefined;
    },

    async end(cookieValue) {
      await knex('operator_sessions')
        .where({ id_hash: digest(cookieValue) })
        .delete();
    },
  };
}
