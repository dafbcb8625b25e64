import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openImport } from '../../src/commands/import/parse';

const ROWS = 100_000;

/** A generated CSV, produced lazily so that the test itself holds no file in memory. */
function* csvChunks(rows: number): Generator<Buffer> {
  yield Buffer.from('email,id,first_name,last_name,username,email_verified,roles,permissions,external_organization_id,hashed_password,hashing_method\r\n');
  const hash = '$2a$10$t8Jz3hJCCTFk/Acja7bw3OpamB3xuLPhpJlRHb31bXIjfzeTfn8rq';
  let lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    lines.push(`user${i}@example.com,ext-${i},"First ${i}",Last,user_${i},TRUE,"admin,member",read,"org_${i % 50},org_all",${hash},bcrypt`);
    if (lines.length === 500) {
      yield Buffer.from(lines.join('\r\n') + '\r\n');
      lines = [];
    }
  }
  if (lines.length) yield Buffer.from(lines.join('\r\n') + '\r\n');
}

describe('a large file', () => {
  it(`parses ${ROWS.toLocaleString('en')} generated CSV rows in batches with flat memory`, async () => {
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = heapBefore;
    const started = process.hrtime.bigint();
    const p = await openImport(Readable.from(csvChunks(ROWS)), { batchSize: 1000 });
    let records = 0;
    let failed = 0;
    let batches = 0;
    for await (const b of p.batches()) {
      batches++;
      records += b.records.length;
      failed += b.failed.length;
      expect(b.records.length).toBeLessThanOrEqual(1000);
      if (batches % 10 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const mib = p.bytesRead / 1024 / 1024;
    expect(records).toBe(ROWS);
    expect(failed).toBe(0);
    expect(p.summary().rowsRead).toBe(ROWS);
    // Reported, not asserted: timings on a shared machine are not a test.
    console.log(
      `parse-large: ${ROWS} rows, ${mib.toFixed(1)} MiB in ${seconds.toFixed(2)} s = ${(mib / seconds).toFixed(1)} MiB/s, ${(ROWS / seconds).toFixed(0)} rows/s; heap growth peak ${((peak - heapBefore) / 1024 / 1024).toFixed(1)} MiB`,
    );
    // Flat memory: the file (~17 MiB as records would be several times that) is never held whole.
    expect(peak - heapBefore).toBeLessThan(150 * 1024 * 1024);
  });
});
