import type { StoredPassword } from './events';

/** Two stored passwords are the same when every part of the hash is: setting or importing it again changes nothing. */
export function samePassword(a: StoredPassword, b: StoredPassword): boolean {
  return (
    a.method === b.method &&
    a.hash === b.hash &&
    a.salt === b.salt &&
    a.salt_position === b.salt_position &&
    a.salt_format === b.salt_format &&
    JSON.stringify(a.params ?? {}) === JSON.stringify(b.params ?? {})
  );
}
