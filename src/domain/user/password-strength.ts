/**
 * "The password must be more than 8 characters, not common or guessable (e.g.
 * not Password123)." Pure: the caller checks the typed password here, hashes
 * it, and passes the hash and this result to SetTemporaryPassword.
 */
const COMMON = new Set([
  'password',
  'password1',
  'password12',
  'password123',
  'password1234',
  'passw0rd',
  'p@ssw0rd',
  'p@ssword',
  '123456789',
  '1234567890',
  '12345678910',
  'qwertyuiop',
  'qwerty123',
  'qwerty1234',
  '1q2w3e4r5t',
  '1qaz2wsx3edc',
  'iloveyou1',
  'iloveyou123',
  'welcome1',
  'welcome123',
  'letmein123',
  'admin1234',
  'administrator',
  'changeme',
  'changeme123',
  'football1',
  'baseball1',
  'sunshine1',
  'princess1',
  'trustno1',
  'superman1',
  'monkey123',
  'abc123456',
  'abcdefghi',
  'aaaaaaaaa',
  '111111111',
  '000000000',
  'zaq12wsx',
  'starwars1',
  'dragon123',
  'master123',
  'whatever1',
  'computer1',
  'michael1',
  'jennifer1',
  'football123',
  'qwertyui',
  'asdfghjkl',
]);

export type PasswordStrength = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function checkTemporaryPasswordStrength(password: string, context: readonly string[] = []): PasswordStrength {
  if (Array.from(password).length <= 8) return { ok: false, reason: 'must be more than 8 characters' };
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return { ok: false, reason: 'too common' };
  if (/^(.)\1+$/.test(password)) return { ok: false, reason: 'too easy to guess' };
  if (/^\d+$/.test(password)) return { ok: false, reason: 'too easy to guess' };
  // The user's own email, username or name is guessable.
  for (const c of context) {
    const v = c.toLowerCase().split('@')[0] ?? '';
    if (v.length >= 4 && lower.includes(v)) return { ok: false, reason: "contains the user's own details" };
  }
  return { ok: true };
}
