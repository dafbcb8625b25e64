/**
 * The in-file uniqueness index behind DUPLICATE_IN_FILE: which user (group) first
 * claimed each email, username, phone and provided id. Keys and owners are stored
 * as 64-bit hashes in open-addressing tables on typed arrays — 16 bytes a slot,
 * at most 75 % full, no per-key object: a 1M-row file with 3 keys a row (id, email,
 * username) needs 4M slots = 64 MiB. A false duplicate needs a 64-bit collision
 * (about 1 in 10^6 for 4M keys) and only ever costs one row an error.
 *
 * The slots are split into 16 shards by the key's top bits, each growing on its
 * own, so a growth holds one shard's old and new arrays at once — a 16th of the
 * table and twice that — not the whole table's: with one table, the last growth
 * of a million-row import held 32 + 64 MiB at once, at the import's peak RSS.
 */
const SHARD_BITS = 4;
const SHARDS = 1 << SHARD_BITS;
const shardOf = (hi: number) => hi >>> (32 - SHARD_BITS);

export class KeyIndex {
  readonly #shards: Shard[];
  #peakBytes: number;

  /** `initialSlots`: of the whole index (at least one a shard). */
  constructor(initialSlots = 1 << 16) {
    const perShard = 1 << Math.max(0, Math.ceil(Math.log2(initialSlots)) - SHARD_BITS);
    this.#shards = Array.from({ length: SHARDS }, () => new Shard(perShard));
    this.#peakBytes = this.bytes;
  }

  get size(): number {
    let n = 0;
    for (const s of this.#shards) n += s.size;
    return n;
  }

  /** Bytes held by the tables. */
  get bytes(): number {
    let n = 0;
    for (const s of this.#shards) n += s.slots.byteLength;
    return n;
  }

  /** The most bytes held at one time, a growth's old and new arrays together. */
  get peakBytes(): number {
    return this.#peakBytes;
  }

  /** The owner of `key`, or undefined. */
  get(key: Hash64): Hash64 | undefined {
    const at = this.slotOf(key);
    return at < 0 ? undefined : [this.ownerHi(at), this.ownerLo(at)];
  }

  /**
   * Where `key` sits (for ownerHi / ownerLo), or -1: a lookup without allocating
   * the owner. The handle's low bits are the shard, the rest the index in its slots.
   */
  slotOf(key: Hash64): number {
    const shard = shardOf(key[0]);
    const slots = this.#shards[shard]!;
    const at = slots.find(key[0], key[1]);
    return slots.slots[at] === 0 && slots.slots[at + 1] === 0 ? -1 : at * SHARDS + shard;
  }

  ownerHi(handle: number): number {
    return this.#shards[handle & (SHARDS - 1)]!.slots[Math.floor(handle / SHARDS) + 2]!;
  }

  ownerLo(handle: number): number {
    return this.#shards[handle & (SHARDS - 1)]!.slots[Math.floor(handle / SHARDS) + 3]!;
  }

  /** Records `owner` for `key` unless the key has an owner already. */
  claim(key: Hash64, owner: Hash64): void {
    const replaced = this.#shards[shardOf(key[0])]!.claim(key[0], key[1], owner[0], owner[1]);
    if (replaced > 0) this.#peakBytes = Math.max(this.#peakBytes, this.bytes + replaced);
  }
}

/** One open-addressing table: [key hi, key lo, owner hi, owner lo] per slot, side by side so that a lookup touches one cache line; key (0,0) = empty. */
class Shard {
  slots: Uint32Array;
  size = 0;
  #mask: number;

  constructor(slots: number) {
    this.slots = new Uint32Array(slots * 4);
    this.#mask = slots - 1;
  }

  /** Returns the bytes of the arrays a growth just replaced (0 without one). */
  claim(hi: number, lo: number, ownerHi: number, ownerLo: number): number {
    const at = this.find(hi, lo);
    const slots = this.slots;
    if (slots[at] !== 0 || slots[at + 1] !== 0) return 0;
    slots[at] = hi;
    slots[at + 1] = lo;
    slots[at + 2] = ownerHi;
    slots[at + 3] = ownerLo;
    this.size++;
    if (this.size * 4 <= (this.#mask + 1) * 3) return 0;
    this.#grow();
    return slots.byteLength;
  }

  /** Index in `slots` of the slot holding (hi, lo), or of the empty slot where it would go. */
  find(hi: number, lo: number): number {
    const slots = this.slots;
    const mask = this.#mask;
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      const at = slot * 4;
      const khi = slots[at]!;
      const klo = slots[at + 1]!;
      if ((khi === 0 && klo === 0) || (khi === hi && klo === lo)) return at;
      slot = (slot + 1) & mask;
    }
  }

  #grow(): void {
    const old = this.slots;
    const n = (this.#mask + 1) * 2;
    this.slots = new Uint32Array(n * 4);
    this.#mask = n - 1;
    for (let i = 0; i < old.length; i += 4) {
      const hi = old[i]!;
      const lo = old[i + 1]!;
      if (hi === 0 && lo === 0) continue;
      const at = this.find(hi, lo);
      this.slots[at] = hi;
      this.slots[at + 1] = lo;
      this.slots[at + 2] = old[i + 2]!;
      this.slots[at + 3] = old[i + 3]!;
    }
  }
}

export type Hash64 = readonly [number, number];

/**
 * A fast 64-bit string hash (two murmur3-style 32-bit lanes); never (0,0). Each step
 * ends in `| 0`: every later use truncates to 32 bits anyway, so the values are the
 * same, but the lanes stay small integers instead of becoming doubles (twice as fast).
 */
export function hash64(s: string): Hash64 {
  let h1 = 0x811c9dc5 ^ s.length;
  let h2 = 0x27d4eb2f ^ Math.imul(s.length, 0x85ebca6b);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0xcc9e2d51);
    h1 = (h1 << 15) | (h1 >>> 17);
    h1 = (Math.imul(h1, 0x1b873593) + 0xe6546b64) | 0;
    h2 = Math.imul(h2 ^ c, 0x85ebca77);
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = (Math.imul(h2, 0xc2b2ae3d) + 0x27d4eb2f) | 0;
  }
  h1 = fmix(h1 ^ h2);
  h2 = fmix(h2 ^ h1);
  if (h1 === 0 && h2 === 0) h2 = 1;
  return [h1 >>> 0, h2 >>> 0];
}

/** Equals hash64(`${type}:${value}`), without building (and flattening) that string. */
export function hash64Key(type: string, value: string): Hash64 {
  const length = type.length + 1 + value.length;
  let h1 = 0x811c9dc5 ^ length;
  let h2 = 0x27d4eb2f ^ Math.imul(length, 0x85ebca6b);
  for (let i = 0; i <= type.length + value.length; i++) {
    const c = i < type.length ? type.charCodeAt(i) : i === type.length ? 0x3a : value.charCodeAt(i - type.length - 1);
    h1 = Math.imul(h1 ^ c, 0xcc9e2d51);
    h1 = (h1 << 15) | (h1 >>> 17);
    h1 = (Math.imul(h1, 0x1b873593) + 0xe6546b64) | 0;
    h2 = Math.imul(h2 ^ c, 0x85ebca77);
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = (Math.imul(h2, 0xc2b2ae3d) + 0x27d4eb2f) | 0;
  }
  h1 = fmix(h1 ^ h2);
  h2 = fmix(h2 ^ h1);
  if (h1 === 0 && h2 === 0) h2 = 1;
  return [h1 >>> 0, h2 >>> 0];
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Character code of each hex digit, lowercase. */
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** 16 lowercase hex digits, built as one string (concatenating 8 pairs made 7 intermediate strings a row). */
export function hashHex(h: Hash64): string {
  const a = h[0];
  const b = h[1];
  return String.fromCharCode(
    HEX[a >>> 28]!,
    HEX[(a >>> 24) & 15]!,
    HEX[(a >>> 20) & 15]!,
    HEX[(a >>> 16) & 15]!,
    HEX[(a >>> 12) & 15]!,
    HEX[(a >>> 8) & 15]!,
    HEX[(a >>> 4) & 15]!,
    HEX[a & 15]!,
    HEX[b >>> 28]!,
    HEX[(b >>> 24) & 15]!,
    HEX[(b >>> 20) & 15]!,
    HEX[(b >>> 16) & 15]!,
    HEX[(b >>> 12) & 15]!,
    HEX[(b >>> 8) & 15]!,
    HEX[(b >>> 4) & 15]!,
    HEX[b & 15]!,
  );
}

export function sameHash(a: Hash64, b: Hash64): boolean {
  return a[0] === b[0] && a[1] === b[1];
}
