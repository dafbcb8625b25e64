import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two strings without leaking where they differ. Both sides are
 * first reduced to SHA-256 digests so that inputs of different lengths are
 * compared in the same time as equal-length ones.
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

export function utf8Bytes(plain: string): Buffer {
  return Buffer.from(plain, 'utf8');
}
