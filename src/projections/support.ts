import { hash } from 'node:crypto';
import type { Knex } from 'knex';
import { queryError } from '../domain/errors';
import type { RecordedEvent } from '../eventstore/types';
import { COPY_MIN_ROWS, columnsOf, copyRows, copyUpsert, quote } from './copy';
import type { Projection, TableNames } from './projection';

/**
 * Building blocks shared by the read models.
 *
 * Most read models are "one row per stream": a JSON document folded from the
 * stream's events, plus a few columns derived from it for filters, sorting and
 * indexes. `docProjection` does the work once for all of them, per batch:
 *   1. group the batch's events by stream (only the streams of one category),
 *   2. load those streams' current rows in one query,
 *   3. fold the events whose revision is above the row's `last_revision`
 *      (so replaying events already applied changes nothing),
 *   4. write every changed row back in one multi-row upsert, and replace the rows
 *      of child tables (identities, memberships) in one delete + one insert.
 * That keeps a batch of 1,000 imported users at a handful of statements.
 */

/** Milliseconds-precision ISO time; every time a read model stores goes through here. */
export function isoTime(value: string | Date): string {
  // The events of one command or import batch share their time: the last text converted answers again without a Date.
  if (typeof value === 'string' && value === lastIso.in) return lastIso.out;
  const d = value instanceof Date ? value : new Date(value);
  const out = Number.isNaN(d.getTime()) ? String(value) : d.toISOString();
  if (typeof value === 'string') {
    lastIso.in = value;
    lastIso.out = out;
  }
  return out;
}
const lastIso = { in: '', out: '' };

/** The time an event happened: the command's time, else the time it was recorded. */
export function eventTime(e: RecordedEvent): string {
  return isoTime(e.metadata?.occurredAt ?? e.recordedAt);
}

export interface DocModel<D> {
  /** Logical name of the main table (one row per stream). */
  readonly table: string;
  /** Streams handled: those whose id starts with this prefix (`user-`), or exactly equals it when `exactStream`. */
  readonly streamPrefix: string;
  readonly exactStream?: boolean;
  /** The projector lane (see `Projection.lane`). */
  readonly lane?: string;
  /** Columns of the main table besides `id`, `last_revision` and `doc` (all nullable: rows are written from JSON). */
  readonly columns: (table: Knex.CreateTableBuilder) => void;
  /** Extra tables (child tables) and the indexes `evolve`'s writes need, after the main table exists. */
  readonly setupExtra?: (db: Knex.Transaction, t: TableNames) => Promise<void>;
  /** Indexes that only serve queries (see `Projection.indexes`: a rebuild creates them after the fill). */
  readonly indexes?: (db: Knex.Transaction, t: TableNames) => Promise<void>;
  /** Folds one event into the document; `undefined` when the stream has no document yet and this event does not start one. */
  readonly evolve: (doc: D | undefined, event: RecordedEvent, id: string) => D | undefined;
  /** The derived columns of the main table. */
  readonly row: (doc: D, id: string) => Record<string, unknown>;
  /** Rows of child tables, by logical table name; each child table has a `parent_id` column. */
  readonly children?: (doc: D, id: string) => Record<string, readonly Record<string, unknown>[]>;
  readonly childTables?: readonly string[];
  /**
   * Statements for events of other streams (a role deleted: drop it from every row).
   * Run after the batch's own rows are written, in order.
   */
  readonly applyOther?: (db: Knex.Transaction, event: RecordedEvent, t: TableNames) => Promise<void>;
}

export function docProjection<D>(name: string, version: number, model: DocModel<D>): Projection & { readonly model: DocModel<D> } {
  const handles = (streamId: string) => (model.exactStream ? streamId === model.streamPrefix : streamId.startsWith(model.streamPrefix));
  const idOf = (streamId: string) => (model.exactStream ? streamId : streamId.slice(model.streamPrefix.length));
  return {
    name,
    version,
    model,
    tables: [model.table, ...(model.childTables ?? [])],
    async setup(db, t) {
      await db.schema.createTable(t(model.table), (table) => {
        table.text('id').primary();
        table.bigInteger('last_revision').notNullable();
        // json, not jsonb: the document is written whole and read whole (a path read, `doc #> …`,
        // works on both), and PostgreSQL stores json as its text instead of converting it
        // to jsonb's binary form; a bulk import's COPY of users rows costs about half.
        table.json('doc').notNullable();
        model.columns(table);
      });
      await model.setupExtra?.(db, t);
    },
    ...(model.indexes ? { indexes: model.indexes } : {}),
    ...(model.lane ? { lane: model.lane } : {}),
    async apply(db, events, t) {
      // Events of other streams are applied after our own rows, in batch order.
      const own = new Map<string, RecordedEvent[]>();
      let hasOther = false;
      for (const e of events) {
        if (handles(e.streamId)) {
          const list = own.get(e.streamId);
          if (list) list.push(e);
          else own.set(e.streamId, [e]);
        } else if (model.applyOther) hasOther = true;
      }
      if (own.size > 0) await writeDocs(db, t, model, own, idOf);
      if (hasOther) for (const e of events) if (!handles(e.streamId)) await model.applyOther!(db, e, t);
    },
  };
}

async function writeDocs<D>(db: Knex.Transaction, t: TableNames, model: DocModel<D>, byStream: Map<string, RecordedEvent[]>, idOf: (streamId: string) => string) {
  const ids = [...byStream.keys()].map(idOf);
  const existing = await prepared<{ rows: { id: string; last_revision: number | string; doc: D }[] }>(db, `select id, last_revision, doc from ${quote(t(model.table))} where id = any(?)`, [ids]);
  const current = new Map(existing.rows.map((r) => [r.id, r]));
  const rows: Record<string, unknown>[] = [];
  const children = new Map<string, Record<string, unknown>[]>((model.childTables ?? []).map((c) => [c, []]));
  const changed: string[] = [];
  for (const [streamId, streamEvents] of byStream) {
    const id = idOf(streamId);
    const before = current.get(id);
    let doc = before?.doc;
    let revision = before ? Number(before.last_revision) : -1;
    let touched = false;
    for (const e of streamEvents) {
      if (e.revision <= revision) continue;
      doc = model.evolve(doc, e, id);
      revision = e.revision;
      touched = true;
    }
    if (!touched || doc === undefined) continue;
    changed.push(id);
    rows.push({ ...model.row(doc, id), id, last_revision: revision, doc });
    if (model.children) {
      for (const [table, childRows] of Object.entries(model.children(doc, id))) {
        const list = children.get(table);
        if (!list) throw new Error(`child table ${table} is not declared`);
        for (const r of childRows) list.push({ ...r, parent_id: id });
      }
    }
  }
  if (rows.length === 0) return;
  await upsertRows(db, t(model.table), rows, 'id', current);
  // A document written for the first time has no child rows to replace.
  const replaced = changed.filter((id) => current.has(id));
  for (const [table, childRows] of children) {
    if (replaced.length > 0) await prepared(db, `delete from ${quote(t(table))} where parent_id = any(?)`, [replaced]);
    await insertRows(db, t(table), childRows);
  }
}

/**
 * Runs a read model's statement as a named prepared statement: each connection
 * parses and plans it once, not on every batch (most of a small batch's statement
 * time). The name is a digest of the text, so one name is always one text.
 * Identifiers go into `sql` quoted (`quote`); only values are bindings.
 */
export function prepared<R = unknown>(db: Knex.Transaction | Knex, sql: string, bindings: readonly Knex.RawBinding[]): Knex.Raw<R> {
  return db.raw<R>(sql, bindings).options({ name: statementName(sql) });
}

/** A statement's name, digested once per text (a read model has a few dozen texts; bounded all the same). */
const names = new Map<string, string>();
function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `roster_${hash('sha1', sql, 'base64url')}`;
    if (names.size < 10_000) names.set(sql, name);
  }
  return name;
}

/** Chunks so that one statement's JSON stays a reasonable size. */
const CHUNK = 2000;

/** Multi-row insert of plain objects, through jsonb_populate_recordset (one parameter per statement). */
async function insertJson(db: Knex.Transaction | Knex, table: string, rows: readonly object[], onConflict = '') {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await prepared(db, `insert into ${quote(table)} select * from json_populate_recordset(null::${quote(table)}, ?::json) ${onConflict}`, [JSON.stringify(chunk)]);
  }
}

/** Multi-row upsert on a key: every column given in the first row is overwritten. */
async function upsertJson(db: Knex.Transaction | Knex, table: string, rows: readonly object[], key: string) {
  const cols = Object.keys(rows[0]!).filter((c) => c !== key);
  // Columns not given keep their defaults on insert: list them explicitly.
  const list = [key, ...cols].map((c) => `"${c}"`).join(', ');
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await prepared(
      db,
      `insert into ${quote(table)} (${list}) select ${list} from json_populate_recordset(null::${quote(table)}, ?::json)
       on conflict ("${key}") do update set ${updateAll(cols)}`,
      [JSON.stringify(chunk)],
    );
  }
}

const updateAll = (cols: readonly string[]) => cols.map((c) => `"${c}" = excluded."${c}"`).join(', ');

/** Inserts a batch's rows: COPY for big batches, one JSON statement for small ones (a command's). `skipExisting`: ON CONFLICT DO NOTHING. */
export async function insertRows(db: Knex.Transaction, table: string, objects: readonly object[], skipExisting = false) {
  const rows = objects as readonly Record<string, unknown>[];
  if (rows.length === 0) return;
  if (rows.length < COPY_MIN_ROWS) return insertJson(db, table, rows, skipExisting ? 'on conflict do nothing' : '');
  const columns = await columnsOf(db, table, rows);
  if (skipExisting) await copyUpsert(db, table, columns, rows, 'do nothing');
  else await copyRows(db, table, columns, rows);
}

/**
 * Upserts a batch's rows on `key` (every given column overwritten): COPY through a
 * staging table for big batches. `existing`: the keys the caller read from the
 * table in this transaction; a projection is the only writer of its tables (the
 * projector holds its lock), so a row whose key is not among them is new and goes
 * in with a plain COPY — no staging table, no conflict check. In a bulk import
 * nearly every row is new; that halves the cost of writing it.
 */
export async function upsertRows(db: Knex.Transaction, table: string, objects: readonly object[], key: string, existing?: { has(key: string): boolean }) {
  let rows = objects as readonly Record<string, unknown>[];
  if (existing) {
    const fresh: Record<string, unknown>[] = [];
    const known: Record<string, unknown>[] = [];
    for (const row of rows) (existing.has(String(row[key])) ? known : fresh).push(row);
    await insertRows(db, table, fresh);
    rows = known;
  }
  if (rows.length === 0) return;
  if (rows.length < COPY_MIN_ROWS) return upsertJson(db, table, rows, key);
  const columns = await columnsOf(db, table, rows);
  await copyUpsert(db, table, columns, rows, `("${key}") do update set ${updateAll(Object.keys(columns).filter((c) => c !== key))}`);
}

// ---- pagination ------------------------------------------------------------------

/** An opaque keyset token: the sort key values of the last row, base64url JSON. */
export function encodeToken(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeToken(token: string | undefined | null, arity: number): unknown[] | undefined {
  if (!token) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === arity) return v as unknown[];
  } catch {
    // fall through
  }
  throw queryError('invalid', 'INVALID_NEXT_TOKEN', 'next_token is not valid');
}

export function clampPageSize(size: number | string | undefined, fallback = 10, max = 500): number {
  const n = Number(size ?? fallback);
  if (!Number.isFinite(n) || n < 1) return fallback;
  return Math.min(Math.floor(n), max);
}

export const notFound = (code: string, message: string) => queryError('not_found', code, message);
