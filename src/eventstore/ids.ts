import { createHash, randomUUID } from 'node:crypto';

/**
 * A UUID (version 5 layout, SHA-256 based) derived from its parts. Used for event
 * ids of deterministic commands, so that a retried append is deduplicated by the
 * store instead of written twice, and for deterministic user ids on import.
 */
export function deterministicUuid(...parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\u0000');
  const b = hash.digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function randomEventId(): string {
  return randomUUID();
}
