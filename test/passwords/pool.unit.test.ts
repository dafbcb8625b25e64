import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { HASHING_METHODS, createPasswordVerifier, parseStoredPassword, PasswordVerifierBusyError, PasswordVerifierError, type StoredPassword, type StoredPasswordInput } from '../../src/passwords';

interface Vector {
  readonly name: string;
  readonly input: StoredPasswordInput;
  readonly password: string;
  readonly matches: boolean;
}

function vectors(method: string): readonly Vector[] {
  const url = new URL(`../fixtures/passwords/${method}.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { vectors: Vector[] }).vectors;
}

function stored(input: StoredPasswordInput): StoredPassword {
  const parsed = parseStoredPassword(input);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.password;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('password worker pool (under vitest)', () => {
  const verifier = createPasswordVerifier({ threads: 2, bcryptCost: 4, maxQueue: 1000 });
  afterAll(() => verifier.close());

  // A sample of every method's vectors, positives and negatives, run concurrently.
  // Kinde's five: every 7th vector; the other families: their first (cheap) vector and its
  // wrong passwords — argon2 is a native addon, so this also shows it loads in worker threads.
  const KINDE = ['bcrypt', 'crypt', 'md5', 'sha256', 'wordpress'];
  const sample = HASHING_METHODS.flatMap((method) =>
    vectors(method)
      .filter((_, i) => (KINDE.includes(method) ? i % 7 === 0 : i < 4))
      .map((v) => [`${method}: ${v.name}`, v] as const),
  );

  it('verifies a sample of every method like the library does on the main thread', async () => {
    const results = await Promise.all(sample.map(([, v]) => verifier.verify(stored(v.input), v.password)));
    expect(results).toEqual(sample.map(([, v]) => v.matches));
    expect(results).toContain(true);
    expect(results).toContain(false);
  });

  it('hashes with bcrypt at the configured cost, and the hash verifies', async () => {
    const fresh = await verifier.hash('correct horse battery staple');
    expect(fresh.method).toBe('bcrypt_hmac_sha384');
    expect(fresh.hash).toMatch(/^\$bcrypt-hmac-sha384\$2b\$04\$/);
    expect(await verifier.verify(fresh, 'correct horse battery staple')).toBe(true);
    expect(await verifier.verify(fresh, 'correct horse battery stapl')).toBe(false);
  });

  it('verifyDummy always answers false, even for the same input twice', async () => {
    expect(await verifier.verifyDummy('password')).toBe(false);
    expect(await verifier.verifyDummy('password')).toBe(false);
  });

  it('keeps the main event loop free while bcrypt runs', async () => {
    // cost 12: hundreds of milliseconds of CPU in a worker. Run on the main
    // thread, no setImmediate callback could run before it finished.
    const heavy = createPasswordVerifier({ threads: 1, bcryptCost: 12 });
    try {
      let ticks = 0;
      let done = false;
      const pending = heavy.hash('tick tock').then((s) => {
        done = true;
        return s;
      });
      const tick = (): void => {
        if (done) return;
        ticks++;
        setImmediate(tick);
      };
      setImmediate(tick);
      const result = await pending;
      expect(result.hash).toMatch(/^\$bcrypt-hmac-sha384\$2b\$12\$/);
      expect(ticks).toBeGreaterThan(10);
    } finally {
      await heavy.close();
    }
  });

  it('refuses work beyond its queue at once with PASSWORD_VERIFIER_BUSY', async () => {
    const small = createPasswordVerifier({ threads: 1, maxQueue: 1, bcryptCost: 10 });
    try {
      const first = small.hash('a'); // runs (or waits for the thread to start)
      const second = small.hash('b'); // may wait in the queue
      const settled = await Promise.allSettled([first, second, small.hash('c'), small.hash('d')]);
      const busy = settled.filter((s) => s.status === 'rejected');
      expect(busy.length).toBeGreaterThanOrEqual(1);
      for (const s of busy) {
        expect(s.reason).toBeInstanceOf(PasswordVerifierBusyError);
        expect(s.reason.code).toBe('PASSWORD_VERIFIER_BUSY');
      }
      expect(settled[0]?.status).toBe('fulfilled');
    } finally {
      await small.close();
    }
  });

  it('turns a failure inside the worker into PasswordVerifierError without the input', async () => {
    const broken = createPasswordVerifier({ threads: 1, bcryptCost: 3 }); // bcrypt refuses cost 3
    try {
      const error = await broken.hash('secret-input').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PasswordVerifierError);
      expect((error as Error).message).not.toContain('secret-input');
      // The thread survives and keeps serving.
      expect(await broken.verify({ method: 'md5', hash: '5f4dcc3b5aa765d61d8327deb882cf99' }, 'password')).toBe(true);
    } finally {
      await broken.close();
    }
  });

  it('rejects queued and new work after close', async () => {
    const closing = createPasswordVerifier({ threads: 1, bcryptCost: 4 });
    await closing.close();
    await expect(closing.hash('a')).rejects.toBeInstanceOf(PasswordVerifierError);
  });
});

describe('password worker pool (under node --import tsx)', () => {
  it('starts its threads and verifies when the app runs under tsx', async () => {
    const hash = vectors('crypt').find((v) => v.matches && v.password === 'password' && v.input.hashed_password?.startsWith('$6$rounds='))!.input.hashed_password!;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/passwords/pool-under-tsx.ts', hash], { cwd: ROOT });
    expect(JSON.parse(stdout)).toEqual({ right: true, wrong: false, method: 'bcrypt_hmac_sha384', freshOk: true });
  });
});
