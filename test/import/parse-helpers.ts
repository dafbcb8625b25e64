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
