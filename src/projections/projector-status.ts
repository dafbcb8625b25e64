import type { Knex } from 'knex';
import { START, type EventStore, type Position } from '../eventstore/types';
import { checkpointName, type Projection } from './projection';

export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly checkpoint: Position;
  readonly generation: number;
  readonly lag_events: number;
  readonly lag_seconds: number;
  readonly failed_events: number;
  /** true when this process holds the projection's lock and applies it. */
  readonly running_here: boolean;
  readonly rebuilding: boolean;
}

/** Each read model's checkpoint, lag (events and seconds), parked events, and whether this process applies or rebuilds it. */
export async function projectionStatuses(deps: {
  knex: Knex;
  store: EventStore;
  projections: readonly Projection[];
  runningHere: (name: string) => boolean;
  rebuilding: (name: string) => boolean;
}): Promise<ProjectionStatus[]> {
  const { knex, store, projections } = deps;
  const rows = await knex<{ name: string; position: Position; generation: number }>('projection_checkpoints').select('name', 'position', 'generation');
  const failed = await knex.raw<{ rows: { projection: string; n: number | string }[] }>('select projection, count(*)::bigint as n from projection_failed_events group by projection');
  const failedBy = new Map(failed.rows.map((r) => [r.projection, Number(r.n)]));
  const out: ProjectionStatus[] = [];
  for (const p of projections) {
    const name = checkpointName(p);
    const row = rows.find((r) => r.name === name);
    const position: Position = row?.position ?? START;
    const [lagEvents, nextEvent] = await Promise.all([store.countAfter(position), store.readAll(position, 1)]);
    out.push({
      name: p.name,
      version: p.version,
      checkpoint: position,
      generation: row?.generation ?? 0,
      lag_events: lagEvents,
      lag_seconds: nextEvent[0] ? Math.max(0, (Date.now() - nextEvent[0].recordedAt.getTime()) / 1000) : 0,
      failed_events: failedBy.get(name) ?? 0,
      running_here: deps.runningHere(name),
      rebuilding: deps.rebuilding(name),
    });
  }
  return out;
}
