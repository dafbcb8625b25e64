import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/commands/import/run';
import { createPasswordVerifier, hashPassword } from '../../src/passwords';
import { hashBcrypt } from '../../src/passwords/bcrypt';
import { startTestApp, type TestApp } from '../support/app';

/**
 * An unknown identity and a known identity with a wrong password cost the same,
 * even when the user's imported bcrypt cost (8 here) is far above
 * ROSTER_BCRYPT_COST (4 here, the cost of the dummy hash unknown identities
 * verify against). Through the whole server, as a client sees it.
 */

const ATTEMPTS = 30;
let t: TestApp;
let token: string;
let dir: string;

beforeAll(async () => {
  t = await startTestApp({ env: { ROSTER_BCRYPT_COST: '4', ROSTER_SIGNIN_MAX_FAILURES: '1000' } });
  token = await t.token({ scope: 'create:sign_ins' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-timing-'));
  const file = path.join(dir, 'users.csv');
  fs.writeFileSync(file, `email,hashed_password,hashing_method,password_verified\nslow@example.com,${hashBcrypt('the-right-password', 8)},bcrypt,TRUE\n`);
  expect((await runImport(t.runtime.store, file)).counts).toMatchObject({ users_created: 1 });
});
afterAll(async () => {
  await t?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function timedSignIn(identity: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${t.url}/api/v1/sign_in/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ identity, password: 'not-the-password', ip: '198.51.100.40' }),
  });
  await res.text();
  const ms = performance.now() - started;
  expect(res.status).toBe(401);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};

describe('sign-in timing', () => {
  it('the gap to hide is real: a cost-8 verification takes several times the cost-4 dummy', async () => {
    const pool = createPasswordVerifier({ threads: 1, bcryptCost: 4 });
    try {
      const stored = hashPassword('x', 8);
      const time = async (f: () => Promise<unknown>) => {
        const s = performance.now();
        await f();
        return performance.now() - s;
      };
      const real: number[] = [];
      const dummy: number[] = [];
      for (let i = 0; i < 5; i++) {
        real.push(await time(() => pool.verify(stored, 'y')));
        dummy.push(await time(() => pool.verifyDummy('y')));
      }
      expect(median(real)).toBeGreaterThan(3 * median(dummy));
    } finally {
      await pool.close();
    }
  });

  it(`${ATTEMPTS} unknown identities and ${ATTEMPTS} wrong passwords for a user with a higher imported cost answer with medians within 20%`, async () => {
    const unknown: number[] = [];
    const known: number[] = [];
    for (let i = 0; i < ATTEMPTS; i++) {
      unknown.push(await timedSignIn(`nobody-${i}@example.com`));
      known.push(await timedSignIn('slow@example.com'));
    }
    const [u, k] = [median(unknown), median(known)];
    expect(Math.max(u, k) / Math.min(u, k), `medians: unknown ${u.toFixed(1)} ms, known ${k.toFixed(1)} ms`).toBeLessThanOrEqual(1.2);
  });
});
