/** Fragment search over users: the indexed text and its indexes are in src/db/user-search.ts (a migration builds them too). */
export { createUserSearchIndexes, USER_SEARCH_TEXT } from '../../db/user-search';

/** Trigrams need three characters: shorter queries match whole values only. */
export const MIN_FRAGMENT_LENGTH = 3;

/** The LIKE pattern of a fragment, with LIKE's own wildcards taken literally. */
export function fragmentPattern(fragment: string): string {
  return `%${fragment
    .trim()
    .toLowerCase()
    .replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
