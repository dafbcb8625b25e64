// Run by pool.unit.test.ts as `node --import tsx test/passwords/pool-under-tsx.ts`:
// proves the worker pool starts and verifies when the app runs under tsx.
import { createPasswordVerifier, parseStoredPassword } from '../../src/passwords';

const verifier = createPasswordVerifier({ threads: 2, bcryptCost: 4 });
try {
  const parsed = parseStoredPassword({
    hashing_method: 'crypt',
    hashed_password: process.argv[2] ?? '',
  });
  if (!parsed.ok) throw new Error(parsed.reason);
  const right = await verifier.verify(parsed.password, 'password');
  const wrong = await verifier.verify(parsed.password, 'Password');
  const fresh = await verifier.hash('new password');
  const freshOk = await verifier.verify(fresh, 'new password');
  process.stdout.write(JSON.stringify({ right, wrong, method: fresh.method, freshOk }) + '\n');
} finally {
  await verifier.close();
}
