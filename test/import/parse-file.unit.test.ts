import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openImport, validateFile, validateImport } from '../../src/commands/import/parse';
import { Utf8Validator, firstInvalidUtf8 } from '../../src/commands/import/parse/utf8';
import { parseAll, streamOf } from './parse-helpers';

const fixture = (name: string) => path.join(import.meta.dirname, '..', 'fixtures', 'import', name);

describe('UTF-8 validation', () => {
  // Each case: bytes and the offset of the first invalid byte (-1: valid).
  const cases: [string, number[], number][] = [
    ['ASCII', [0x61, 0x62], -1],
    ['2-, 3-, 4-byte characters', [...Buffer.from('é€😀')], -1],
    ['lone continuation byte', [0x61, 0x80, 0x62], 1],
    ['Latin-1 é', [0x61, 0x62, 0xe9, 0x63], 2],
    ['overlong /', [0x61, 0xc0, 0xaf], 1],
    ['overlong 3-byte', [0xe0, 0x80, 0xaf], 0],
    ['UTF-16 surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['truncated at the end', [0x61, 0x62, 0xe2, 0x82], 2],
    ['lead byte followed by ASCII', [0xe2, 0x41, 0x42], 0],
  ];
  it.each(cases)('%s', (_name, bytes, expected) => {
    for (let chunk = 1; chunk <= bytes.length; chunk++) {
      const v = new Utf8Validator();
      for (let i = 0; i < bytes.length; i += chunk) v.push(Buffer.from(bytes.slice(i, i + chunk)));
      v.end();
      expect(v.invalidAt, `chunk size ${chunk}`).toBe(expected === -1 ? null : expected);
    }
    const first = firstInvalidUtf8(Uint8Array.from(bytes));
    expect(first).toBe(expected === -1 ? bytes.length : expected);
  });

  it('rejects the file with INVALID_ENCODING and the byte offset, in both passes', async () => {
    const good = 'email,first_name\n' + Array.from({ length: 2000 }, (_, i) => `u${i}@x.io,Zoë\n`).join('');
    const bad = Buffer.concat([Buffer.from(good), Buffer.from('bad@x.io,Ren'), Buffer.from([0xe9]), Buffer.from('e\n')]);
    const offset = Buffer.byteLength(good) + 'bad@x.io,Ren'.length;
    const v = await validateImport(streamOf(bad, 1000));
    expect(v.ok).toBe(false);
    expect(v.errors.map((e) => [e.code, e.byteOffset])).toEqual([['INVALID_ENCODING', offset]]);
    expect(v.errors[0]!.message).toContain(`byte offset ${offset}`);

    // Pass 2 on its own also notices; it stops handing out batches and reports it.
    const p = await parseAll(bad, { batchSize: 100_000 }, 1000);
    expect(p.summary.errors.map((e) => [e.code, e.byteOffset])).toEqual([['INVALID_ENCODING', offset]]);
    expect(p.records).toEqual([]);
  });
});

describe('validateImport / validateFile (pass 1)', () => {
  it('reports format, header, size and the SHA-256 of the bytes, without parsing rows', async () => {
    const bytes = fs.readFileSync(fixture('kinde-users.csv'));
    const v = await validateFile(fixture('kinde-users.csv'));
    expect(v).toMatchObject({ ok: true, format: 'csv', csvKind: 'users', errors: [], warnings: [], bytesRead: bytes.length });
    expect(v.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(v.columns).toEqual(['email', 'id', 'first_name', 'last_name', 'roles', 'permissions', 'external_organization_id']);
    const access = await validateFile(fixture('kinde-access.csv'));
    expect(access).toMatchObject({ ok: true, csvKind: 'access' });
    expect((await validateFile(fixture('auth0-users.ndjson'))).format).toBe('auth0');
    expect((await validateFile(fixture('auth0-passwords.ndjson'))).format).toBe('auth0_passwords');
  });

  it('FILE_TOO_LARGE past the cap, and reading stops', async () => {
    const body = 'email\n' + 'a@x.io\n'.repeat(1000);
    const v = await validateImport(streamOf(body, 100), { limits: { maxFileBytes: 1000 } });
    expect(v.errors.map((e) => e.code)).toEqual(['FILE_TOO_LARGE']);
    expect(v.bytesRead).toBeLessThanOrEqual(1100);
    expect((await validateImport(streamOf(body, 100), { limits: { maxFileBytes: body.length } })).ok).toBe(true);
  });

  it('spools the body to a sink in the same pass (the HTTP case), then pass 2 reads the spool', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-parse-'));
    try {
      const spool = path.join(dir, 'body');
      const body = fs.readFileSync(fixture('auth0-users.ndjson'));
      const sink = fs.createWriteStream(spool);
      const v = await validateImport(streamOf(body, 50), { sink });
      await new Promise<void>((resolve, reject) => sink.on('finish', resolve).on('error', reject));
      expect(v.ok).toBe(true);
      expect(fs.readFileSync(spool)).toEqual(body);
      const p = await openImport(fs.createReadStream(spool));
      let n = 0;
      for await (const b of p.batches()) n += b.records.length;
      expect(n).toBe(3);
      expect(p.summary().checksum).toBe(v.checksum);
      expect(p.summary().bytesRead).toBe(body.length);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file that is rejected in pass 1 writes nothing more to the sink than it read', async () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(c, _e, cb) {
        chunks.push(c);
        cb();
      },
    });
    const v = await validateImport(streamOf(Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), 2), { sink });
    expect(v.errors.map((e) => [e.code, e.byteOffset])).toEqual([['INVALID_ENCODING', 1]]);
    expect(Buffer.concat(chunks).length).toBeLessThanOrEqual(2);
  });

  it('a failing sink (disk full) rejects validateImport instead of crashing', async () => {
    const sink = new Writable({
      write(_c, _e, cb) {
        cb(new Error('ENOSPC: no space left on device'));
      },
    });
    await expect(validateImport(streamOf('email\n' + 'a@x.io\n'.repeat(100), 64), { sink })).rejects.toThrow('ENOSPC');
  });

  it('a consumer that stops early releases the input', async () => {
    const input = streamOf('email\n' + Array.from({ length: 3000 }, (_, i) => `u${i}@x.io\n`).join(''), 512);
    const p = await openImport(input, { batchSize: 100 });
    for await (const b of p.batches()) {
      expect(b.records).toHaveLength(100);
      break;
    }
    expect(input.destroyed).toBe(true);
  });

  it('reports bytesRead while batches are handed out (progress)', async () => {
    const body = 'email\n' + Array.from({ length: 5000 }, (_, i) => `u${i}@x.io\n`).join('');
    const input = new PassThrough();
    input.end(body);
    const p = await openImport(input, { batchSize: 1000 });
    const seen: number[] = [];
    for await (const b of p.batches()) seen.push(b.bytesRead);
    expect(seen.length).toBe(5);
    expect(seen.every((x, i) => i === 0 || x >= seen[i - 1]!)).toBe(true);
    expect(p.bytesRead).toBe(Buffer.byteLength(body));
    expect(p.summary().rowsRead).toBe(5000);
  });
});
