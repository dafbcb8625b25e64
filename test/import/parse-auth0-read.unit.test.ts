import { describe, expect, it } from 'vitest';
import { Auth0UserSchema, isPlainAuth0User } from '../../src/commands/import/parse/auth0';
import { prng, mutate as mutateWith } from './parse-helpers';

const VALID = {
  user_id: 'auth0|u1',
  email: 'Ann@Example.com',
  email_verified: true,
  username: 'ann',
  phone_number: '+14155550123',
  phone_verified: false,
  given_name: 'Ann',
  family_name: null,
  name: 'Ann Example',
  nickname: 'ann',
  picture: 'https://example.com/a.png',
  created_at: '2024-01-01T00:00:00.000Z',
  blocked: false,
  identities: [
    { connection: 'Username-Password-Authentication', provider: 'auth0', user_id: 'u1', isSocial: false, extra: 1 },
    { connection: 'google-oauth2', provider: 'google-oauth2', user_id: 1234, isSocial: true },
    { connection: 'corp', provider: 'samlp', user_id: null },
  ],
  app_metadata: { organizations: ['org_1'], plan: { tier: 1 } },
  user_metadata: {},
  logins_count: 3,
};

// Values that are wrong somewhere in the schema, or edge cases of it.
const ODD: unknown[] = [null, undefined, '', 'x', 0, 1.5, true, false, [], ['x'], [1], {}, { connection: 'sms' }, { connection: 1 }];

const mutate = (r: () => number, v: unknown, rate: number) => mutateWith(r, v, rate, ODD);

/** JSON with sorted keys: zod's copy and the input compared member by member. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
  );
}

const TOP = Object.keys(Auth0UserSchema.shape);
const IDENTITY = ['connection', 'provider', 'user_id', 'isSocial'];

/** The input with the members zod strips removed. */
function stripped(v: Record<string, unknown>): unknown {
  const out: Record<string, unknown> = {};
  for (const k of TOP) if (k in v) out[k] = v[k];
  if (Array.isArray(v.identities)) {
    out.identities = (v.identities as Record<string, unknown>[]).map((i) => Object.fromEntries(IDENTITY.filter((k) => k in i).map((k) => [k, i[k]])));
  }
  return out;
}

describe('isPlainAuth0User (the Auth0 line without zod)', () => {
  it('is true only where zod accepts the line with the same member values', () => {
    const r = prng(7);
    let fast = 0;
    const wrong: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const v = (i === 0 ? VALID : mutate(r, VALID, i % 2 === 0 ? 0.01 : 0.1)) as Record<string, unknown>;
      if (!isPlainAuth0User(v)) continue;
      fast++;
      const zod = Auth0UserSchema.safeParse(v);
      if (!zod.success || canonical(zod.data) !== canonical(stripped(v))) wrong.push(JSON.stringify(v));
    }
    expect(wrong).toEqual([]);
    expect(fast).toBeGreaterThan(200); // the shortcut is taken on plainly valid lines
  });

  it('leaves to zod every line zod rejects', () => {
    const r = prng(11);
    const wrong: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const v = mutate(r, VALID, 0.2);
      if (!Auth0UserSchema.safeParse(v).success && isPlainAuth0User(v)) wrong.push(JSON.stringify(v));
    }
    expect(wrong).toEqual([]);
    for (const v of [null, [], 'x', {}, { user_id: '' }, { user_id: 'a', identities: {} }, { user_id: 'a', app_metadata: [] }]) expect(isPlainAuth0User(v)).toBe(false);
  });
});
