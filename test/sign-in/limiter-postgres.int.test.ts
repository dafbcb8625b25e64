import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSignInLimiter, identityLimitKey, ipLimitKey, type SignInLimiter } from '../../src/commands/sign-in';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * The PostgreSQL sign-in limiter: the in-memory limiter's sliding window, kept
 * where every server process sees it. "Processes" here are limiters on their
 * own connection pools; the two-server test is test/sign-in/throttle-processes.e2e.test.ts.
 */
let db: TestDatabase;
let other: Knex;
const clock = { t: Date.parse('2025-03-03T09:00:00Z') };

beforeAll(async () => {
  db = await createTestDatabase();
  other = knexFactory({ client: 'pg', connection: db.url, pool: { min: 0, max: 4 } });
});
afterAll(async () => {
  await other?.destroy();
  await db?.close();
});

const make = (knex: Knex, maxFailures: number, windowSeconds: number) => createPostgresSignInLimiter(knex, { maxFailures, windowSeconds, now: () => clock.t });

async function fail(limiter: SignInLimiter, identity: string, ip?: string) {
  const d = await limiter.begin({ identity, ...(ip ? { ip } : {}) });
  if (d.allowed) await d.ticket.failed();
  return d;
}

describe('PostgreSQL sign-in limiter', () => {
  it('refuses after maxFailures within the window, with the seconds until the oldest counted failure leaves it, then allows again', async () => {
    const limiter = make(db.knex, 2, 10);
    await fail(limiter, 'A@x.com');
    clock.t += 4000;
    await fail(limiter, 'a@x.com'); // same identity: case-insensitive key
    expect(await limiter.begin({ identity: 'a@x.com' })).toEqual({ allowed: false, retryAfterSeconds: 6 });
    clock.t += 6000;
    expect((await limiter.begin({ identity: 'a@x.com' })).allowed).toBe(true);
  });

  it('counts are shared by limiters on different connection pools and survive a new limiter (a restart)', async () => {
    const a = make(db.knex, 3, 60);
    const b = make(other, 3, 60);
    await fail(a, 'shared@x.com');
    await fail(b, 'shared@x.com');
    await fail(a, 'shared@x.com');
    expect((await b.begin({ identity: 'shared@x.com' })).allowed).toBe(false);
    const restarted = make(other, 3, 60);
    expect(await restarted.failures(identityLimitKey('shared@x.com'))).toBe(3);
    expect((await restarted.begin({ identity: 'shared@x.com' })).allowed).toBe(false);
  });

  it('cancelled attempts do not count; success forgets the identity but keeps the IP count of other failures', async () => {
    const limiter = make(db.knex, 2, 10);
    const d = await limiter.begin({ identity: 'b', ip: '1.1.1.1' });
    if (d.allowed) await d.ticket.cancelled();
    expect(await limiter.failures(identityLimitKey('b'))).toBe(0);
    expect(await limiter.failures(ipLimitKey('1.1.1.1'))).toBe(0);
    await fail(limiter, 'b', '1.1.1.1');
    const ok = await limiter.begin({ identity: 'b', ip: '1.1.1.1' });
    if (ok.allowed) await ok.ticket.succeeded();
    expect(await limiter.failures(identityLimitKey('b'))).toBe(0);
    expect(await limiter.failures(ipLimitKey('1.1.1.1'))).toBe(1);
  });

  it('a ticket settles once', async () => {
    const limiter = make(db.knex, 5, 10);
    const d = await limiter.begin({ identity: 'c' });
    if (!d.allowed) throw new Error('expected allowed');
    await d.ticket.cancelled();
    await d.ticket.failed();
    expect(await limiter.failures(identityLimitKey('c'))).toBe(0);
  });

  it('concurrent attempts from two pools cannot slip past the limit (each counts as it begins)', async () => {
    const a = make(db.knex, 3, 60);
    const b = make(other, 3, 60);
    const decisions = await Promise.all(Array.from({ length: 12 }, (_, i) => Promise.resolve((i % 2 ? a : b).begin({ identity: 'burst@x.com', ip: '9.9.9.9' }))));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
  });

  it('keys are stored as digests: no identity or IP in clear', async () => {
    const rows = await db.knex('throttle_attempts').select('key_hash');
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toMatch(/x\.com|1\.1\.1\.1|9\.9\.9\.9/);
  });
});
