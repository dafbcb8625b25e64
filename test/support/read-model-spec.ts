import { expect } from 'vitest';
import type { EventMetadata, RecordedEvent } from '../../src/eventstore/types';
import type { DocModel } from '../../src/projections/support';

/**
 * Given / then for a document read model's pure evolve, without a database:
 *
 *   readModelSpec(rolesProjection, 'role-r1').given([created, deleted]).thenRow({ key: 'admin', deleted: true, … });
 *
 * The events become recorded events of one stream (revisions 0, 1, …; the
 * command's time from `occurredAt`, else a fixed clock), folded with
 * `model.evolve`; `thenRow` compares the derived columns (`model.row`),
 * `thenDoc` checks the document, `thenNoRow` says the stream makes no row.
 */
export interface GivenEvent {
  readonly type: string;
  readonly data: unknown;
  readonly occurredAt?: string;
  readonly metadata?: Partial<EventMetadata>;
}

const CLOCK = Date.parse('2026-01-01T00:00:00.000Z');

export function readModelSpec<D>(projection: { readonly model: DocModel<D> }, streamId: string) {
  const { model } = projection;
  const id = model.exactStream ? streamId : streamId.slice(model.streamPrefix.length);
  return {
    given(events: readonly GivenEvent[]) {
      let doc: D | undefined;
      events.forEach((e, revision) => {
        const occurredAt = e.occurredAt ?? new Date(CLOCK + revision * 60_000).toISOString();
        const recorded: RecordedEvent = {
          id: `event-${revision}`,
          type: e.type,
          data: e.data,
          metadata: { actor: { type: 'admin', id: 'spec' }, source: 'admin', occurredAt, ...e.metadata },
          streamId,
          revision,
          position: String(revision + 1),
          recordedAt: new Date(occurredAt),
        };
        doc = model.evolve(doc, recorded, id);
      });
      return {
        thenRow(expected: Record<string, unknown>) {
          expect(doc, `expected a row for ${streamId}, but the events made no document`).toBeDefined();
          expect(model.row(doc!, id)).toEqual(expected);
        },
        thenDoc(check: (doc: D) => void) {
          expect(doc, `expected a document for ${streamId}, but the events made none`).toBeDefined();
          check(doc!);
        },
        thenNoRow() {
          expect(doc, `expected no row for ${streamId}`).toBeUndefined();
        },
      };
    },
  };
}
