import { describe, expect, it } from 'vitest';
import { createSignInLimiter, identityLimitKey, ipLimitKey } from '../../src/commands/sign-in';

describe('sign-in limiter (sliding window, in memory)', () => {
  const make = (maxFailures = 2, windowSeconds = 10, maxKeys?: number) => {
    const clock = { t: 1_000_000 };
    const limiter = createSignInLimiter({ maxFailures, windowSeconds, now: () => clock.t, ...(maxKeys ? { maxKeys } : {}) });
    return { clock, limiter };
  };
  const fail = (l: ReturnType<typeof make>['limiter'], identity: string, ip?: string) => {
    const d = l.begin({ identity, ...(ip ? { ip } : {}) });
    if (!d.allowed) return d;
    void d.ticket.failed();
    return d;
  };

  it('refuses after maxFailures within the window and allows again once the oldest failure leaves it (never permanent)', () => {
    const { clock, limiter } = make(2, 10);
    fail(limiter, 'A@x.com');
    clock.t += 4000;
    fail(limiter, 'a@x.com'); // same identity: case-insensitive key
    const refused = limiter.begin({ identity: 'a@x.com' });
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 6 });
    clock.t += 6000;
    expect(limiter.begin({ identity: 'a@x.com' }).allowed).toBe(true);
  });

  it('cancelled attempts do not count; success forgets the identity but keeps the IP count of other failures', () => {
    const { limiter } = make(2, 10);
    const d = limiter.begin({ identity: 'b', ip: '1.1.1.1' });
    if (d.allowed) void d.ticket.cancelled();
    expect(limiter.failures(identityLimitKey('b'))).toBe(0);
    fail(limiter, 'b', '1.1.1.1');
    const ok = limiter.begin({ identity: 'b', ip: '1.1.1.1' });
    if (ok.allowed) void ok.ticket.succeeded();
    expect(limiter.failures(identityLimitKey('b'))).toBe(0);
    expect(limiter.failures(ipLimitKey('1.1.1.1'))).toBe(1);
  });

  it('a ticket settles once', () => {
    const { limiter } = make(5, 10);
    const d = limiter.begin({ identity: 'c' });
    if (!d.allowed) throw new Error('expected allowed');
    void d.ticket.cancelled();
    void d.ticket.failed();
    void d.ticket.cancelled();
    expect(limiter.failures(identityLimitKey('c'))).toBe(0);
  });

  it('remembers at most maxKeys keys (oldest dropped), so a flood of identities cannot exhaust memory', () => {
    const { limiter } = make(1, 60, 100);
    for (let i = 0; i < 1000; i++) fail(limiter, `flood-${i}`);
    expect(limiter.failures(identityLimitKey('flood-0'))).toBe(0);
    expect(limiter.failures(identityLimitKey('flood-999'))).toBe(1);
  });
});
