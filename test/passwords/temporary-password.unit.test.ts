import { describe, expect, it } from 'vitest';
import { checkTemporaryPasswordStrength } from '../../src/passwords';

/**
 * Kinde, "Set temporary password": "The password must be more than 8
 * characters, not common or guessable (e.g. not `Password123`)."
 */
const TOO_SHORT = ['', 'a', 'Xy7!92#k', 'пароль12', '🔑🔑🔑🔑🔑🔑🔑🔑'];
const TOO_COMMON = [
  'Password123', // the docs' own example
  'password1234',
  'P@ssw0rd!',
  'P4ssw0rd2024!',
  '!!Sunshine99',
  'iloveyou!!!',
  'qwertyuiop',
  'QWERTY123456',
  'asdfghjkl',
  'poiuytrewq',
  '123456789',
  '987654321',
  'abcdefghij',
  'aaaaaaaaa',
  'abcabcabc',
  '121212121212',
  'abc123456',
  'Dragon2024',
  'monkey12345',
  'trustno1!!',
];
const ACCEPTED = ['correct horse battery staple', 'Xy7!92#kQ', 'tR0ub4dor&3x', 'пароль-надёжный', '847299153306', 'kinde-roster-2026', 'Blue7Lantern$Ocean'];

describe('checkTemporaryPasswordStrength', () => {
  it.each(TOO_SHORT)('%j is too short (8 characters or fewer)', (plain) => {
    expect(checkTemporaryPasswordStrength(plain)).toMatchObject({ code: 'PASSWORD_TOO_SHORT' });
  });

  it.each(TOO_COMMON)('%j is too common or guessable', (plain) => {
    expect(checkTemporaryPasswordStrength(plain)).toMatchObject({ code: 'PASSWORD_TOO_COMMON' });
  });

  it.each(ACCEPTED)('%j is accepted', (plain) => {
    expect(checkTemporaryPasswordStrength(plain)).toBeNull();
  });

  it('counts characters, not bytes or UTF-16 units: 9 emoji are more than 8 characters', () => {
    expect(checkTemporaryPasswordStrength('🔑🐙🌵🎲🧭🪁🛶🧩🪐')).toBeNull();
  });

  it('never echoes the password in its message', () => {
    for (const plain of [...TOO_SHORT, ...TOO_COMMON].filter((p) => p.length >= 4)) {
      expect(checkTemporaryPasswordStrength(plain)?.message).not.toContain(plain);
    }
  });

  it('uses the committed common-password list, not just the pattern rules', () => {
    // Long, no pattern, but on Openwall's list.
    for (const plain of ['baseball1', 'superman1', 'whatever1']) {
      expect(checkTemporaryPasswordStrength(plain)).toMatchObject({ code: 'PASSWORD_TOO_COMMON' });
    }
  });
});
