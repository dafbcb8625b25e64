import type { JWTPayload } from 'jose';

interface Entry {
  readonly payload: JWTPayload;
  readonly kid: string;
  readonly expiresAtMs: number;
}

/**
 * Access tokens whose signature has been checked. A client sends the same token
 * for an hour, and checking its RS256 signature on every request cost about a
 * fifth of a millisecond of the event loop per request. The same bytes are
 * trusted again until the token's `exp`, and only while the key that signed it
 * is still published (the caller asks the key ring), so a retired key's tokens
 * stop working as before. Only verified tokens get in, so a client cannot fill
 * it with forgeries; it is bounded all the same (the oldest entry leaves first).
 */
export class VerifiedTokens {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly max = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): Entry | undefined {
    const entry = this.#entries.get(token);
    if (entry && entry.expiresAtMs <= this.now()) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry;
  }

  /** Remembers a verified token; one without `exp` or `kid` is never trusted without a check. */
  remember(token: string, payload: JWTPayload, kid: string | undefined): void {
    if (typeof payload.exp !== 'number' || !kid) return;
    if (this.#entries.size >= this.max) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(token, { payload, kid, expiresAtMs: payload.exp * 1000 });
  }

  forget(token: string): void {
    this.#entries.delete(token);
  }
}
