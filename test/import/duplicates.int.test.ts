import fs from 'node:fs';
import { ownerOfValue } from '../support/owners';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { foldEmail, usernameKey } from '../../src/commands/import/duplicate-keys';
import { runImport } from '../../src/commands/import/run';
import { ensureDefaults } from '../../src/commands/organizations';
import { createTestDatabase, type TestDatabase } from '../support/db';

/** The dry run's POSSIBLE_DUPLICATE report, against the real store. */
const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });
let db: TestDatabase;
let dir: string;
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
const duplicates = (issues: readonly { code: string; line: number; field: string | null; message: string }[]) =>
  issues.filter((i) => i.code === 'POSSIBLE_DUPLICATE').map((i) => ({ line: i.line, field: i.field, message: i.message }));
async function ownerOf(kind: 'email' | 'provided_id', value: string): Promise<string> {
  return (await ownerOfValue(db.store, kind, value))!;
}

beforeAll(async () => {
  db = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-dups-'));
  await ensureDefaults(db.store, admin);
});
afterAll(async () => {
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('comparison keys', () => {
  it.each([
    ['full-width letters (NFKC)', 'ＡＤＡ@example.com', 'ada@example.com'],
    ['ß folds to ss', 'straße@example.de', 'STRASSE@example.de'],
    ['ligatures (NFKC)', 'ﬁona@example.com', 'fiona@example.com'],
  ])('emails: %s', (_name, a, b) => {
    expect(foldEmail(a)).toBe(foldEmail(b));
  });
  it('emails that differ stay apart', () => {
    expect(foldEmail('ada@example.com')).not.toBe(foldEmail('adam@example.com'));
  });
  it.each([
    ['digit one for l', 'paul', 'pau1'],
    ['capital I for l', 'paul', 'PAUI'],
    ['zero for O', 'bob0', 'bobo'],
    ['Cyrillic а (TR39 data, not ASCII)', 'ada', 'аda'],
  ])('usernames: %s', (_name, a, b) => {
    expect(usernameKey(a)).toBe(usernameKey(b));
  });
  it('usernames that only share letters stay apart', () => {
    expect(usernameKey('paul')).not.toBe(usernameKey('pall'));
  });
});

describe('POSSIBLE_DUPLICATE in the dry run', () => {
  it('within one file: emails equal after folding, usernames with one skeleton — naming both lines; a real import reports none', async () => {
    const csv = file('in-file.csv', ['email,id,username', 'ada@example.com,d1,paul', 'ＡＤＡ@example.com,d2,', 'grace@example.com,d3,pau1', 'linus@example.com,d4,linus'].join('\n'));
    const dry = await runImport(db.store, csv, { dryRun: true });
    expect(dry.status).toBe('completed');
    expect(duplicates(dry.issues)).toEqual([
      { line: 3, field: 'email', message: expect.stringContaining('line 2, id:d1') },
      { line: 4, field: 'username', message: expect.stringContaining('paul (line 2, id:d1)') },
    ]);
    expect(dry.counts.rows_with_warnings).toBe(2);

    const real = await runImport(db.store, csv);
    expect(duplicates(real.issues)).toEqual([]);
    expect(real.counts.users_created).toBe(4);
  });

  it('an email an existing user holds under another provided id (exact, or after folding)', async () => {
    await runImport(db.store, file('first.csv', 'email,id\neve@example.com,e1\nzoe@example.com,e3\n'));
    const eve = await ownerOf('email', 'eve@example.com');
    const zoe = await ownerOf('email', 'zoe@example.com');
    const dry = await runImport(db.store, file('second.csv', 'email,id\neve@example.com,e2\nＺＯＥ@example.com,\n'), { dryRun: true });
    expect(duplicates(dry.issues)).toEqual([
      { line: 2, field: 'email', message: expect.stringMatching(new RegExp(`existing user ${eve} under provided id e1`)) },
      { line: 3, field: 'email', message: expect.stringMatching(new RegExp(`\\(after case folding and NFKC\\) by existing user ${zoe}`)) },
    ]);
    // The exact clash is also the error it always was: the warning explains it.
    expect(dry.issues.find((i) => i.line === 2 && i.severity === 'error')?.code).toBe('CONFLICT_EXISTING_USER');
  });

  it('the same source id in two files of one migration; other migrations and re-runs of the same file are not duplicates', async () => {
    const a = file('a.csv', 'email,id\nsam@example.com,s1\n');
    await runImport(db.store, a, { migration: 'legacy-crm' });
    const sam = await ownerOf('provided_id', 's1');
    const b = file('b.csv', 'email,id\nsamuel@example.com,s1\n');
    const dry = await runImport(db.store, b, { dryRun: true, migration: 'legacy-crm' });
    expect(duplicates(dry.issues)).toEqual([{ line: 2, field: 'id', message: expect.stringMatching(new RegExp(`another file of this migration \\(import imp_[0-9a-f]+, line 2\\) as user ${sam}`)) }]);
    expect(duplicates((await runImport(db.store, b, { dryRun: true, migration: 'other' })).issues)).toEqual([]);
    expect(duplicates((await runImport(db.store, a, { dryRun: true, migration: 'legacy-crm' })).issues)).toEqual([]);
  });
});
