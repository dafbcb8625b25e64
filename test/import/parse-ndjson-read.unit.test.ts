import { describe, expect, it } from 'vitest';
import { mapKindeUser } from '../../src/commands/import/parse/kinde-ndjson';
import { isPlainKindeUser, readKindeUser } from '../../src/commands/import/parse/kinde-ndjson-read';
import { KindeNdjsonUserSchema } from '../../src/commands/import/parse/kinde-ndjson-schema';
import { prng, mutate as mutateWith } from './parse-helpers';

const VALID = {
  extra: { nested: true },
  organizations: [{ scopes: [{ scope: 'read', audience: 'api', x: 1 }], external_id: 'org_1', roles: ['admin', ' admin '], permissions: [], unknown: 2 }, { external_id: 'org_2' }],
  id: 'u1',
  identities: [
    { identity: 'Ann@Example.com', type: 'email', is_verified: true, junk: 'x' },
    { type: 'phone', identity: '+14155550123', is_verified: false, provider: 'sms' },
    { type: 'username', identity: 'ann' },
  ],
  password: { hashing_algorithm: 'bcrypt', hashed_password: '$2b$10$abc', salt: null, salt_format: 'hex', salt_position: 'prefix', other: 1 },
  first_name: 'Ann',
  last_name: null,
  properties: [{ value: 'v', key: 'k', note: 'dropped' }],
  feature_flags: [],
};

// Values that are wrong somewhere in the schema, or edge cases of it.
const ODD: unknown[] = [null, undefined, '', 'x', 0, 1.5, true, false, [], ['x'], [1], {}, { key: '' }, { key: 'k', value: 1 }];

const mutate = (r: () => number, v: unknown, rate: number) => mutateWith(r, v, rate, ODD);

describe('readKindeUser (the NDJSON line without zod)', () => {
  it("gives zod's output exactly (members, order, copies) or leaves the line to zod", () => {
    const r = prng(42);
    let fast = 0;
    const wrong: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const v = (i === 0 ? VALID : mutate(r, VALID, i % 2 === 0 ? 0.01 : 0.1)) as Record<string, unknown>;
      const mine = readKindeUser(v);
      const zod = KindeNdjsonUserSchema.safeParse(v);
      if (mine === null) continue;
      fast++;
      if (!zod.success || JSON.stringify(zod.data) !== JSON.stringify(mine)) wrong.push(JSON.stringify(v));
    }
    expect(wrong).toEqual([]);
    expect(fast).toBeGreaterThan(200); // the shortcut is taken on plainly valid lines
    expect(readKindeUser(VALID)).not.toBeNull();
  });

  it("never hands out the input's own objects", () => {
    const mine = readKindeUser(VALID)!;
    expect(mine.organizations![0]!.roles).not.toBe(VALID.organizations[0]!.roles);
    expect(mine.identities![0]).not.toBe(VALID.identities[0]);
    expect(mine.properties![0]).not.toBe(VALID.properties[0]);
  });
});

describe('mapKindeUser on a plainly valid line (read as it is, without zod)', () => {
  const raw = { line: 1, text: '' };
  it("gives the draft zod's copy gives", () => {
    const r = prng(43);
    let fast = 0;
    const wrong: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const v = (i === 0 ? VALID : mutate(r, VALID, i % 2 === 0 ? 0.01 : 0.1)) as Record<string, unknown>;
      if (!isPlainKindeUser(v)) continue;
      fast++;
      const direct = mapKindeUser(v, 1, raw, undefined);
      const viaZod = mapKindeUser(KindeNdjsonUserSchema.parse(v), 1, raw, undefined);
      if (JSON.stringify(direct) !== JSON.stringify(viaZod)) wrong.push(JSON.stringify(v));
    }
    expect(wrong).toEqual([]);
    expect(fast).toBeGreaterThan(200);
  });

  it("puts none of the line's own objects in the draft", () => {
    const d = mapKindeUser(VALID as never, 1, raw, undefined);
    expect(d.properties[0]).toEqual({ key: 'k', value: 'v' });
    expect(d.properties[0]).not.toBe(VALID.properties[0]);
    expect(d.organizations[0]!.scopes[0]).toEqual({ audience: 'api', scope: 'read' });
    expect(d.organizations[0]!.scopes[0]).not.toBe(VALID.organizations[0]!.scopes![0]);
    expect(d.organizations[0]!.roles).toEqual(['admin']);
  });
});
