import { expect } from 'vitest';
import { eventSchemas } from '../../src/domain/events';
import { fold, type Decider, type DomainEvent } from '../../src/domain/shared';

/**
 * Given / when / then for a decider, after emmett's DeciderSpecification:
 *
 *   const spec = deciderSpec(userDecider);
 *   spec.given([created]).when(suspend).then([{ type: 'UserSuspended', data: {} }]);
 *   spec.given([created]).when(create).thenThrows('USER_ALREADY_EXISTS');
 *   spec.given([created, suspended]).when(suspend).thenNothingHappened();
 *
 * Every event the decider produces is checked against the event catalogue
 * (src/domain/events.ts) before any expectation, so a decider cannot emit a shape
 * that would be refused on append. Failures say what was expected and what
 * happened instead.
 */
export interface Then<E> {
  /** Exactly these events, or a check of the produced events (for ids or hashes the test cannot know). */
  then(expected: readonly E[] | ((events: readonly E[]) => void)): void;
  /** Refused with this stable error code (and, if given, this error kind). */
  thenThrows(code: string, kind?: string): void;
  /** Accepted, and nothing to record (how repeats stay free). */
  thenNothingHappened(): void;
  /** The produced events, for a test that goes on from them. */
  events(): readonly E[];
}

const describeEvents = (events: readonly DomainEvent[]) => (events.length === 0 ? 'no events' : `${events.length} event(s): ${events.map((e) => e.type).join(', ')}`);

export function deciderSpec<C, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  return {
    given(history: readonly E[]) {
      return {
        when(command: C): Then<E> {
          const state = fold(decider, history);
          const decide = (): readonly E[] => {
            const events = decider.decide(command, state);
            for (const e of events) {
              const schema = (eventSchemas as Record<string, { safeParse(d: unknown): { success: boolean; error?: unknown } } | undefined>)[e.type];
              if (!schema) throw new Error(`the decider produced ${e.type}, which is not in the event catalogue`);
              const parsed = schema.safeParse(e.data);
              if (!parsed.success) throw new Error(`the decider produced a ${e.type} the catalogue refuses: ${String(parsed.error)}`);
            }
            return events;
          };
          return {
            then(expected) {
              const events = decide();
              if (typeof expected === 'function') expected(events);
              else expect(events, `expected ${describeEvents(expected)}, got ${describeEvents(events)}`).toEqual(expected);
            },
            thenThrows(code, kind) {
              let events: readonly E[];
              try {
                events = decider.decide(command, state);
              } catch (err) {
                const got = err as { code?: unknown; kind?: unknown; message?: unknown };
                expect(got.code, `expected refusal ${code}, got ${JSON.stringify(got.code ?? 'an error without a code')}: ${JSON.stringify(got.message)}`).toBe(code);
                if (kind !== undefined) expect(got.kind, `expected ${code} to be of kind ${kind}`).toBe(kind);
                return;
              }
              throw new Error(`expected refusal ${code}, but the command was accepted with ${describeEvents(events)}`);
            },
            thenNothingHappened() {
              const events = decide();
              expect(events, `expected no events, got ${describeEvents(events)}`).toEqual([]);
            },
            events: decide,
          };
        },
      };
    },
  };
}
