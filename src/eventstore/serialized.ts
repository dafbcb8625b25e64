/**
 * The JSON text of an event's data, remembered by whoever already made it (the
 * deterministic event id hashes it) so that the store does not stringify the same
 * object again. Keyed by the data object itself: nothing to keep in sync, and
 * nothing leaks when the event is gone.
 */
const texts = new WeakMap<object, string>();

export function rememberJson(data: unknown, json: string): void {
  if (typeof data === 'object' && data !== null) texts.set(data, json);
}

export function jsonOf(data: unknown): string {
  return (typeof data === 'object' && data !== null ? texts.get(data) : undefined) ?? JSON.stringify(data ?? null);
}
