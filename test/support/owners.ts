import type { ReservationKind } from '../../src/domain/reservation/events';
import { reservationValue } from '../../src/domain/streams';
import { uniqueKey, type EventStore } from '../../src/eventstore/types';

/** Who holds a unique value (an email, a provided id…), from the store itself; undefined when nobody does. */
export async function ownerOfValue(store: EventStore, kind: ReservationKind, value: string): Promise<string | undefined> {
  const normalized = reservationValue(kind, value);
  return (await store.uniqueOwners([{ kind, value: normalized }])).get(uniqueKey(kind, normalized));
}
