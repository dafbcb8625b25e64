import os from 'node:os';
import { hashPool, POOL_BCRYPT_COST } from './data';

/*
 * signin.bcrypt.per_s alone, as bench/signin.ts measures it (the password pool,
 * one thread per core, 4 requests in flight per thread, the pool's bcrypt hashes),
 * plus the ceiling: one bcrypt on one thread of this process, times the cores.
 *   node --import tsx bench/bcrypt-only.ts [--seconds 4]
 *   ROSTER_BCRYPT=bcryptjs node --import tsx bench/bcrypt-only.ts   # the fallback
 */

const i = process.argv.indexOf('--seconds');
const seconds = i >= 0 ? Number(process.argv[i + 1]) : 4;
const passwords = await import('../src/passwords');
const { BCRYPT_IMPLEMENTATION, verifyBcrypt } = await import('../src/passwords/bcrypt');
const entries = hashPool()
  .filter((p) => p.method === 'bcrypt')
  .map((p) => {
    const parsed = passwords.parseStoredPassword({ hashed_password: p.hashed_password, hashing_method: 'bcrypt', salt: null, salt_position: null, salt_format: null });
    if (!parsed.ok) throw new Error('pool hash rejected');
    return { stored: parsed.password, plain: p.plain, hash: p.hashed_password };
  });
const threads = os.cpus().length;

// One thread, this process: the cost of one bcrypt at cost 10.
const c0 = process.cpuUsage();
const t0 = performance.now();
let n = 0;
while (performance.now() - t0 < seconds * 1000) {
  const e = entries[n++ % entries.length]!;
  if (!verifyBcrypt(e.hash, e.plain)) throw new Error('did not verify');
}
const wall = (performance.now() - t0) / n;
const cpu = (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1000 / n;
console.log(
  `${BCRYPT_IMPLEMENTATION} bcrypt cost ${POOL_BCRYPT_COST}, one thread: ${wall.toFixed(1)} ms wall, ${cpu.toFixed(1)} ms CPU each; ceiling ${threads} cores x ${(1000 / cpu).toFixed(1)}/s = ${((threads * 1000) / cpu).toFixed(1)}/s (by CPU time)`,
);

// The pool, as bench/signin.ts drives it.
const verifier = passwords.createPasswordVerifier({ threads, bcryptCost: POOL_BCRYPT_COST, maxQueue: 256 });
await verifier.verify(entries[0]!.stored, entries[0]!.plain); // threads started
const start = performance.now();
const deadline = start + seconds * 1000;
let done = 0;
let next = 0;
await Promise.all(
  Array.from({ length: threads * 4 }, async () => {
    while (performance.now() < deadline) {
      const e = entries[next++ % entries.length]!;
      if (!(await verifier.verify(e.stored, e.plain))) throw new Error('did not verify');
      done++;
    }
  }),
);
const took = (performance.now() - start) / 1000;
await verifier.close();
console.log(`${BCRYPT_IMPLEMENTATION} pool (${threads} threads): ${(done / took).toFixed(1)} verifications/s (${done} in ${took.toFixed(1)} s); load average ${os.loadavg()[0]!.toFixed(1)}`);
