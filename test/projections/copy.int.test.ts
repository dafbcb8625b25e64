import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COPY_MIN_ROWS } from '../../src/projections/copy';
import { insertRows, upsertRows } from '../../src/projections/support';
import { createTestDatabase, type TestDatabase } from '../support/db';

// Values COPY's text format treats specially, and characters from elsewhere.
const NASTY = ['plain', 'tab\there', 'new\nline', 'cr\rhere', 'back\\slash', '\\N', 'quote "q" and \'s\'', '{braces,comma}', 'NULL', 'Zoë 😀 名前', ''];

describe('bulk writes of read models through COPY', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.knex.raw(`create table copy_probe (id text primary key, name text, ok boolean, n integer, at timestamptz, tags text[], doc jsonb)`);
  });
  afterAll(async () => db?.close());

  const rowsOf = (count: number, suffix: string) =>
    Array.from({ length: count }, (_, i) => {
      const s = NASTY[i % NASTY.length]!;
      return { id: `r${i}`, name: `${s}${suffix}`, ok: i % 2 === 0, n: i, at: '2026-01-02T03:04:05.678Z', tags: i % 5 === 0 ? [] : [s, `${s}2`], doc: { s, nested: { list: [s, i] } } };
    });
  const read = async () => (await db.knex('copy_probe').select('*').orderByRaw('n')).map((r) => ({ ...r, at: new Date(r.at).toISOString() }));

  for (const count of [COPY_MIN_ROWS - 1, COPY_MIN_ROWS * 3]) {
    it(`${count} rows come back exactly as written, and an upsert overwrites them (${count < COPY_MIN_ROWS ? 'JSON' : 'COPY'} path)`, async () => {
      await db.knex('copy_probe').delete();
      await db.knex.transaction((trx) => insertRows(trx, 'copy_probe', rowsOf(count, '')));
      expect(await read()).toEqual(rowsOf(count, ''));
      await db.knex.transaction((trx) => upsertRows(trx, 'copy_probe', rowsOf(count, '!'), 'id'));
      expect(await read()).toEqual(rowsOf(count, '!'));
      // Twice in one transaction: the staging table starts empty each time.
      await db.knex.transaction(async (trx) => {
        await upsertRows(trx, 'copy_probe', rowsOf(count, '?'), 'id');
        await insertRows(trx, 'copy_probe', rowsOf(count, '#'), true);
        await upsertRows(trx, 'copy_probe', rowsOf(count, '+'), 'id');
      });
      expect(await read()).toEqual(rowsOf(count, '+'));
    });
  }

  it('a rolled-back batch leaves nothing, and the next one still works', async () => {
    await db.knex('copy_probe').delete();
    // A connection of its own, so the staging table is first made in the transaction that rolls back.
    await db.knex.raw('create table copy_probe_2 (like copy_probe including all)');
    await expect(
      db.knex.transaction(async (trx) => {
        await upsertRows(trx, 'copy_probe_2', rowsOf(COPY_MIN_ROWS * 2, ''), 'id');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const count = async () => Number((await db.knex('copy_probe_2').count({ n: '*' }).first())!.n);
    expect(await count()).toBe(0);
    for (let i = 0; i < 3; i++) await db.knex.transaction((trx) => upsertRows(trx, 'copy_probe_2', rowsOf(COPY_MIN_ROWS * 2, String(i)), 'id'));
    expect(await count()).toBe(COPY_MIN_ROWS * 2);
  });
});
