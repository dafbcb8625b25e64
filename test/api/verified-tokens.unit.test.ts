import { describe, expect, it } from 'vitest';
import { VerifiedTokens } from '../../src/http/auth/verified-tokens';

describe('verified tokens (signature checks not repeated for the same bytes)', () => {
  it('trusts a token again only until its exp', () => {
    let now = 1_000_000;
    const tokens = new VerifiedTokens(10, () => now);
    tokens.remember('t1', { sub: 'c', exp: 1_000 + 60 }, 'k1');
    expect(tokens.get('t1')).toMatchObject({ kid: 'k1', payload: { sub: 'c' } });
    now = 1_060_000;
    expect(tokens.get('t1')).toBeUndefined();
  });

  it('never remembers a token without exp or kid', () => {
    const tokens = new VerifiedTokens(10, () => 0);
    tokens.remember('no-exp', { sub: 'c' }, 'k1');
    tokens.remember('no-kid', { sub: 'c', exp: 10 }, undefined);
    expect(tokens.get('no-exp')).toBeUndefined();
    expect(tokens.get('no-kid')).toBeUndefined();
  });

  it('is bounded: the oldest token leaves first, and a forgotten one is gone', () => {
    const tokens = new VerifiedTokens(2, () => 0);
    for (const t of ['a', 'b', 'c']) tokens.remember(t, { exp: 10 }, 'k');
    expect(tokens.get('a')).toBeUndefined();
    expect(tokens.get('b')).toBeDefined();
    tokens.forget('b');
    expect(tokens.get('b')).toBeUndefined();
    expect(tokens.get('c')).toBeDefined();
  });
});
