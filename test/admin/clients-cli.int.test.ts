import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clientsCommand } from '../../src/cli/clients';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../support/db';

/** `roster clients create|revoke` record their change as events (the audit log's input), never the secret. */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

async function roster(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  try {
    const code = await clientsCommand.run(args, { config: loadConfig({ DATABASE_URL: db.url }), logger: createLogger('silent') });
    return { code, stdout };
  } finally {
    spy.mockRestore();
  }
}

describe('roster clients', () => {
  it('create and revoke are events on api-client-<id>, actor system `cli`', async () => {
    const created = await roster(['create', '--name', 'Nightly export', '--scopes', 'read:users']);
    expect(created.code).toBe(0);
    const { client_id, client_secret } = JSON.parse(created.stdout.slice(0, created.stdout.lastIndexOf('}') + 1)) as { client_id: string; client_secret: string };
    expect((await roster(['revoke', client_id])).code).toBe(0);
    expect((await roster(['revoke', client_id])).code).toBe(1);
    const events: { type: string; data: unknown; metadata: Record<string, unknown> }[] = await db
      .knex('events')
      .where({ stream_id: `api-client-${client_id}` })
      .orderBy('revision')
      .select('type', 'data', 'metadata');
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['ApiClientCreated', { clientId: client_id, name: 'Nightly export', scopes: ['read:users'] }],
      ['ApiClientRevoked', { clientId: client_id }],
    ]);
    for (const e of events) expect(e.metadata).toMatchObject({ actor: { type: 'system', id: 'cli' }, source: 'system' });
    expect(JSON.stringify(events)).not.toContain(client_secret);
  });
});
