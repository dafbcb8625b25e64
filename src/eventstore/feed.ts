import { Observable, type Subscription } from 'rxjs';
import type { Position, RecordedEvent } from './types';

/**
 * A catch-up-then-live feed built from batched reads: read after the checkpoint
 * until a read comes back short, then wait for a wake-up and read again. Shared by
 * adapters whose native subscription does not fit the port.
 */
export function feedFromReads(readAll: (from: Position, limit: number) => Promise<RecordedEvent[]>, from: Position, wakeups: Observable<void>, batchSize: number): Observable<RecordedEvent> {
  return new Observable<RecordedEvent>((subscriber) => {
    let position = from;
    let stopped = false;
    let wake: (() => void) | undefined;
    const wakeSub: Subscription = wakeups.subscribe(() => wake?.());
    (async () => {
      while (!stopped) {
        const batch = await readAll(position, batchSize);
        for (const e of batch) {
          if (stopped) return;
          subscriber.next(e);
          position = e.position;
        }
        if (batch.length < batchSize && !stopped) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      }
    })().catch((err: unknown) => subscriber.error(err));
    return () => {
      stopped = true;
      wake?.();
      wakeSub.unsubscribe();
    };
  });
}
