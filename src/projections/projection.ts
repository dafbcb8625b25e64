import type { Knex } from 'knex';
import type { RecordedEvent } from '../eventstore/types';

/**
 * Maps a projection's logical table names to the physical tables of one
 * generation. Physical: `<table>_v<version>_g<generation>`. Queries read the view
 * `<table>_v<version>`, which points at the live generation; a rebuild fills a new
 * generation beside it and swaps the view in one transaction.
 */
export type TableNames = (logical: string) => string;

export interface Projection {
  /** Stable name, e.g. `users`. */
  readonly name: string;
  /** Bump when the table shapes or the meaning of rows change: a new version is built beside the old. */
  readonly version: number;
  /**
   * The projector's lane (default `main`). A lane's read models share one
   * transaction per batch; lanes run side by side. Give a read model its own lane
   * when its writes are heavy enough to be worth a core of PostgreSQL's.
   */
  readonly lane?: string;
  /** Logical table names this projection owns. */
  readonly tables: readonly string[];
  /** Create the tables (and indexes) of one generation. Runs inside a transaction. */
  setup(db: Knex.Transaction, t: TableNames): Promise<void>;
  /**
   * Secondary indexes that only serve queries — never the projection's own
   * `apply`. A live generation gets them with its tables; a rebuild creates them
   * after the bulk fill, because PostgreSQL builds an index over existing rows
   * many times faster than it maintains it row by row (a trigram index most of all).
   */
  indexes?(db: Knex.Transaction, t: TableNames): Promise<void>;
  /**
   * Apply a batch of events, in order, inside the runner's transaction (which also
   * moves the checkpoint). Must be deterministic and idempotent per event: applying
   * the same events again gives the same rows. Ignore event types you do not handle.
   */
  apply(db: Knex.Transaction, events: readonly RecordedEvent[], t: TableNames): Promise<void>;
}

/** The name queries use for a projection's table: a view over the live generation. */
export function viewName(projection: Pick<Projection, 'version'>, logical: string): string {
  return `${logical}_v${projection.version}`;
}

export function physicalNames(projection: Pick<Projection, 'version'>, generation: number): TableNames {
  return (logical) => `${logical}_v${projection.version}_g${generation}`;
}

/** The checkpoint row of a projection version. */
export function checkpointName(projection: Pick<Projection, 'name' | 'version'>): string {
  return `${projection.name}_v${projection.version}`;
}
