import { describe, expect, it } from 'vitest';
import { createSignInPacer } from '../../src/commands/sign-in';
import { DUMMY_WORK, workKind } from '../../src/commands/sign-in/pacing';

/** The refusal pacer with a fake clock: what it waits, never how long a real wait takes. */
function fakePacer(maxMs?: number) {
  const clock = { t: 0 };
  const waits: number[] = [];
  const pacer = createSignInPacer({ now: () => clock.t, wait: async (ms) => void waits.push(ms), ...(maxMs ? { maxMs } : {}) });
  /** A refusal of this kind that took `ms` before being paced. */
  const refuse = async (work: string, ms: number) => {
    const started = clock.t;
    clock.t += ms;
    const before = waits.length;
    await pacer.pace(work, started);
    return waits.length > before ? waits.at(-1)! : 0;
  };
  return { pacer, refuse };
}

describe('sign-in refusal pacer', () => {
  it('holds a fast refusal (the dummy) to the pace of the slowest kind seen, and never holds the slowest one', async () => {
    const { refuse } = fakePacer();
    expect(await refuse(DUMMY_WORK, 10)).toBe(0);
    expect(await refuse('bcrypt:12', 200)).toBe(0);
    expect(await refuse(DUMMY_WORK, 10)).toBe(190);
    expect(await refuse('bcrypt:12', 205)).toBe(0);
  });

  it('uses the median of recent durations, so one slow moment does not hold every refusal', async () => {
    const { pacer, refuse } = fakePacer();
    await refuse(DUMMY_WORK, 2000); // a cold start
    for (let i = 0; i < 8; i++) await refuse(DUMMY_WORK, 50);
    expect(pacer.target()).toBe(50);
  });

  it('never holds a refusal longer than maxMs', async () => {
    const { refuse } = fakePacer(300);
    await refuse('bcrypt:14', 5000);
    expect(await refuse(DUMMY_WORK, 10)).toBe(290);
  });

  it.each([
    [{ method: 'bcrypt', hash: '$2y$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234' }, 'bcrypt:12'],
    [{ method: 'crypt', hash: '$2a$05$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234' }, 'bcrypt:05'],
    [{ method: 'wordpress', hash: '$wp$2y$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234' }, 'bcrypt:10'],
    [{ method: 'crypt', hash: '$6$rounds=100000$salt$digest' }, 'sha-crypt:6:100000'],
    [{ method: 'crypt', hash: '$5$salt$digest' }, 'sha-crypt:5:5000'],
    [{ method: 'wordpress', hash: '$P$Babcdefgh12345678901234567890123' }, 'phpass:B'],
    [{ method: 'md5', hash: '5f4dcc3b5aa765d61d8327deb882cf99', salt: 'pepper', salt_position: 'prefix' }, 'md5'],
  ] as const)('work kind of %j is %s (never the salt or digest)', (stored, kind) => {
    expect(workKind(stored)).toBe(kind);
  });
});
