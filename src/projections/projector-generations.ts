import type { Knex } from 'knex';
import { physicalNames, viewName, type Projection } from './projection';

/*
 * A read model's generations: the physical tables of one build (`<table>_g<n>`) and
 * the views (`<table>_v<version>`) that point queries at the live one.
 */

export async function pointViews(trx: Knex.Transaction, p: Projection, generation: number) {
  const t = physicalNames(p, generation);
  for (const logical of p.tables) {
    await trx.raw('drop view if exists ??', [viewName(p, logical)]);
    await trx.raw('create view ?? as select * from ??', [viewName(p, logical), t(logical)]);
  }
}

/** The tables of a generation; a live one (`live`) gets its query indexes and the views at once, a rebuild's later. */
export async function setupGeneration(trx: Knex.Transaction, p: Projection, generation: number, live: boolean) {
  const t = physicalNames(p, generation);
  for (const logical of p.tables) await trx.raw('drop table if exists ?? cascade', [t(logical)]);
  await p.setup(trx, t);
  if (!live) return;
  await p.indexes?.(trx, t);
  await pointViews(trx, p, generation);
}
