import { describe, expect, it } from 'vitest';
import { duplicateTable } from '../../src/cli/duplicate-table';

describe('roster import --dry-run: the duplicate table', () => {
  it('one aligned row per POSSIBLE_DUPLICATE, nothing when there is none', () => {
    expect(duplicateTable([])).toBe('');
    const table = duplicateTable([
      { line: 3, user_key: 'id:d2', field: 'email', message: 'The email ＡＤＡ@example.com equals ada@example.com (line 2, id:d1) after case folding and Unicode NFKC: probably the same person.' },
      { line: 14, user_key: 'username:pau1', field: 'username', message: 'The username pau1 looks like paul (line 2, id:d1): their Unicode confusable skeletons are equal.' },
    ]);
    expect(table.split('\n')).toEqual([
      '',
      'POSSIBLE_DUPLICATE (2):',
      '  line  user           field     possible duplicate',
      '  3     id:d2          email     The email ＡＤＡ@example.com equals ada@example.com (line 2, id:d1) after case folding and Unicode NFKC: probably the same person.',
      '  14    username:pau1  username  The username pau1 looks like paul (line 2, id:d1): their Unicode confusable skeletons are equal.',
      '',
    ]);
  });
});
