import { Readable } from 'node:stream';
import { openImport, type FailedRow, type FileSummary, type ImportRecord, type ParseOptions } from '../../src/commands/import/parse';

/** Splits the input into small chunks so that every test also crosses chunk boundaries. */
export function streamOf(input: string | Buffer, chunkSize = 7): Readable {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunkSize) chunks.push(buf.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

export interface Parsed {
  readonly records: ImportRecord[];
  readonly failed: FailedRow[];
  readonly summary: FileSummary;
  readonly batchCount: number;
}

export async function parseAll(input: string | Buffer, options: ParseOptions = {}, chunkSize = 7): Promise<Parsed> {
  const p = await openImport(streamOf(input, chunkSize), options);
  const records: ImportRecord[] = [];
  const failed: FailedRow[] = [];
  let batchCount = 0;
  for await (const b of p.batches()) {
    batchCount++;
    records.push(...b.records);
    failed.push(...b.failed);
  }
  return { records, failed, summary: p.summary(), batchCount };
}

/** All row issues (errors of failed rows and warnings of records), flattened. */
export function rowIssues(p: Parsed) {
  return [...p.failed.flatMap((f) => f.errors), ...p.records.flatMap((r) => r.warnings)];
}

export const jsonl = (...objects: unknown[]): string => objects.map((o) => JSON.stringify(o)).join('\n') + '\n';

/** A small deterministic PRNG, so a failure can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A copy of `v` with members dropped, replaced by one of `odd`, or `odd` values appended to arrays, each at `rate`. */
export function mutate(r: () => number, v: unknown, rate: number, odd: readonly unknown[]): unknown {
  if (typeof v !== 'object' || v === null) return r() < rate ? odd[Math.floor(r() * odd.length)] : v;
  if (Array.isArray(v)) {
    const out = v.map((x) => mutate(r, x, rate, odd));
    if (r() < rate) out.push(odd[Math.floor(r() * odd.length)]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const roll = r();
    if (roll < rate / 2) continue; // dropped
    out[k] = roll < rate ? odd[Math.floor(r() * odd.length)] : mutate(r, x, rate, odd);
  }
  return out;
}
