import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded';
import { createLogger } from '../../src/logger';

/** The embedded server's connections: its own Unix-domain socket, with loopback TCP beside it for other tools. */
describe('embedded PostgreSQL connections', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-socket-'));
  let server: EmbeddedPostgres | undefined;
  afterAll(async () => {
    await server?.stop();
    const link = path.join(dir, 'pg');
    if (fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) fs.rmSync(path.dirname(fs.readlinkSync(link)), { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const serverAddress = async (connectionString: string) => {
    const client = new pg.Client({ connectionString });
    await client.connect();
    try {
      return (await client.query<{ addr: string | null }>('select inet_server_addr()::text as addr')).rows[0]!.addr;
    } finally {
      await client.end();
    }
  };

  it("goes through the cluster's socket, and still answers on 127.0.0.1", { timeout: 120_000 }, async () => {
    server = await startEmbeddedPostgres({ dataDir: dir, logger: createLogger('silent') });
    const url = new URL(server.url);
    expect(decodeURIComponent(url.hostname)).toMatch(/^\//);
    expect(fs.existsSync(path.join(decodeURIComponent(url.hostname), `.s.PGSQL.${url.port}`))).toBe(true);
    // A Unix-domain socket has no server address.
    expect(await serverAddress(server.url)).toBeNull();
    url.hostname = '127.0.0.1';
    expect(await serverAddress(url.toString())).toBe('127.0.0.1/32');
  });
});
