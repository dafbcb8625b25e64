import { readFileSync } from 'node:fs';

/**
 * Kinde, "Set temporary password": "The password must be more than 8
 * characters, not common or guessable (e.g. not `Password123`)."
 *
 * Common: the 3,546 passwords of Openwall's password.lst (Debian john-data,
 * public domain), compared case-insensitively. Guessable: a common password
 * or a very short word with digits/symbols around it or leetspeak in it
 * (`Password123`, `P@ssw0rd!`), one character or a short run repeated
 * (`aaaaaaaaa`, `abcabcabc`), a run of consecutive characters (`123456789`,
 * `abcdefghij`) or a keyboard row (`qwertyuiop`, `1qaz2wsx3edc` is not caught).
 */
export type TemporaryPasswordProblem = { readonly code: 'PASSWORD_TOO_SHORT'; readonly message: string } | { readonly code: 'PASSWORD_TOO_COMMON'; readonly message: string };

export const TEMPORARY_PASSWORD_MIN_LENGTH = 9;

const TOO_SHORT: TemporaryPasswordProblem = {
  code: 'PASSWORD_TOO_SHORT',
  message: 'The password must be more than 8 characters.',
};
const TOO_COMMON: TemporaryPasswordProblem = {
  code: 'PASSWORD_TOO_COMMON',
  message: 'The password is too common or guessable; choose one that is not a known password or pattern.',
};

let common: ReadonlySet<string> | null = null;

/** Loaded once, on first use, from the data file beside this module. */
function commonPasswords(): ReadonlySet<string> {
  if (common === null) {
    const text = readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8');
    common = new Set(
      text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#!comment'))
        .map((line) => line.toLowerCase()),
    );
  }
  return common;
}

const LEET: Record<string, string> = { '@': 'a', '4': 'a', '3': 'e', '1': 'i', '!': 'i', '0': 'o', $: 's', '5': 's', '7': 't', '+': 't' };
const KEYBOARD_ROWS = ['`1234567890-=', 'qwertyuiop[]\\', "asdfghjkl;'", 'zxcvbnm,./', 'qazwsxedcrfvtgbyhnujmik,ol.p;/'];

function unleet(word: string, one: 'i' | 'l'): string {
  return Array.from(word)
    .map((c) => (c === '1' ? one : (LEET[c] ?? c)))
    .join('');
}

/** The word inside leading/trailing digits and symbols: "!!Password123" -> "password". */
function core(lower: string): string {
  return lower.replace(/^[^\p{L}]+/u, '').replace(/[^\p{L}]+$/u, '');
}

function isRepetition(chars: readonly string[]): boolean {
  for (let unit = 1; unit <= 4 && unit * 2 <= chars.length; unit++) {
    if (chars.every((c, i) => c === chars[i % unit])) return true;
  }
  return false;
}

function isSequence(chars: readonly string[]): boolean {
  const codes = chars.map((c) => c.codePointAt(0) ?? 0);
  const step = (codes[1] ?? 0) - (codes[0] ?? 0);
  if (step !== 1 && step !== -1) return false;
  return codes.every((code, i) => i === 0 || code - (codes[i - 1] ?? 0) === step);
}

function onKeyboardRow(lower: string): boolean {
  const reversed = Array.from(lower).reverse().join('');
  return KEYBOARD_ROWS.some((row) => row.includes(lower) || row.includes(reversed));
}

function isGuessable(plain: string): boolean {
  const lower = plain.toLowerCase();
  const list = commonPasswords();
  if (list.has(lower)) return true;
  const chars = Array.from(lower);
  if (isRepetition(chars) || isSequence(chars) || onKeyboardRow(lower)) return true;
  const word = core(lower);
  const trimmed = lower.replace(/^[^\p{L}\p{N}]+/u, '').replace(/[^\p{L}\p{N}]+$/u, '');
  for (const candidate of new Set([word, trimmed, core(unleet(word, 'i')), core(unleet(word, 'l'))])) {
    // A word of 1-3 letters dressed up with digits/symbols ("abc123456");
    // a long string of digits alone is judged by the rules above only.
    const length = Array.from(candidate).length;
    if (length > 0 && length <= 3) return true;
    if (length === 0) continue;
    if (list.has(candidate)) return true;
    const candidateChars = Array.from(candidate);
    if (isRepetition(candidateChars) || isSequence(candidateChars) || onKeyboardRow(candidate)) return true;
  }
  return false;
}

/** null when the temporary password is acceptable, else the problem (never echoing the password). */
export function checkTemporaryPasswordStrength(plain: string): TemporaryPasswordProblem | null {
  if (Array.from(plain).length < TEMPORARY_PASSWORD_MIN_LENGTH) return TOO_SHORT;
  if (isGuessable(plain)) return TOO_COMMON;
  return null;
}
