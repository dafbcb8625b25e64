// One-off measurement for the report (not a test): verifications per second per
// method on one thread, and through the pool. Run: node --import tsx test/passwords/bench-once.ts
import { readFileSync } from 'node:fs';
import { createPasswordVerifier, parseStoredPassword, verifyPasswordSync, type StoredPassword } from '../../src/passwords';

function first(method: string, pick: (hash: string) => boolean): { stored: StoredPassword; password: string } {
  const file = JSON.parse(readFileSync(new URL(`../fixtures/passwords/${method}.json`, import.meta.url), 'utf8'));
  const v = file.vectors.find((x: { matches: boolean; password: string; input: { hashed_password: string } }) => x.matches && x.password === 'password' && pick(x.input.hashed_password));
  const parsed = parseStoredPassword(v.input);
  if (!parsed.ok) throw new Error(parsed.reason);
  return { stored: parsed.password, password: v.password };
}

const cases: Array<[string, { stored: StoredPassword; password: string }]> = [
  ['md5 (salted)', first('md5', () => true)],
  ['sha256', first('sha256', () => true)],
  ['crypt DES', first('crypt', (h) => h.length === 13)],
  ['crypt $1$ md5-crypt', first('crypt', (h) => h.startsWith('$1$'))],
  ['crypt $5$ (5000 rounds)', first('crypt', (h) => h.startsWith('$5$') && !h.includes('rounds'))],
  ['crypt $6$ (5000 rounds)', first('crypt', (h) => h.startsWith('$6$') && !h.includes('rounds'))],
  ['wordpress phpass $P$B (2^13)', first('wordpress', (h) => h.startsWith('$P$'))],
  ['wordpress md5', first('wordpress', (h) => h.length === 32)],
];
for (const [name, { stored, password }] of cases) {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 1000) {
    if (!verifyPasswordSync(stored, password)) throw new Error('did not verify');
    n++;
  }
  console.log(`${name}: ${Math.round((n * 1000) / (performance.now() - start))}/s on one thread`);
}
for (const cost of [10, 12]) {
  const pool = createPasswordVerifier({ bcryptCost: cost, maxQueue: 1000 });
  const stored = await pool.hash('password');
  const t = performance.now();
  const N = cost === 10 ? 40 : 12;
  await Promise.all(Array.from({ length: N }, () => pool.verify(stored, 'password')));
  const perSec = (N * 1000) / (performance.now() - t);
  const t1 = performance.now();
  verifyPasswordSync(stored, 'password');
  console.log(`bcrypt cost ${cost}: ${perSec.toFixed(1)}/s through the pool (all cores); one verification ${Math.round(performance.now() - t1)} ms`);
  await pool.close();
}
