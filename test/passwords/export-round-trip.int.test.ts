import fs from 'node:fs';
import { ownerOfValue } from '../support/owners';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/commands/context';
import { exportUsers } from '../../src/cli/export-users';
import { runImport } from '../../src/commands/import/run';
import { ensureDefaults } from '../../src/commands/organizations';
import { createUser, loadUser, setPassword } from '../../src/commands/users';
import { createLogger } from '../../src/logger';
import { parseStoredPassword, verifyPasswordSync, type StoredPassword, type StoredPasswordInput } from '../../src/passwords';
import { allProjections } from '../../src/all-projections';
import { createProjector } from '../../src/projections/projector';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * `roster export` keeps what a stored password needs beside its hash (the
 * Firebase project keys, scrypt's separate n/r/p, Roster's own scheme), so the
 * exported NDJSON imports into another Roster and the user still signs in there.
 * Hashes from test/fixtures/passwords (independent tools).
 */
interface Vector {
  readonly name: string;
  readonly input: StoredPasswordInput;
  readonly password: string;
  readonly matches: boolean;
}
const first = (method: string, pick: (v: Vector) => boolean): Vector => {
  const file = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/passwords', `${method}.json`), 'utf8')) as { vectors: Vector[] };
  return file.vectors.find((v) => v.matches && !v.name.includes(' / ') && pick(v))!;
};
const CASES = [
  first('firebase_scrypt', (v) => v.name.startsWith('firebase/scrypt README')),
  first('scrypt', (v) => v.name.startsWith('separate fields')),
  first('bcrypt_hmac_sha384', () => true),
  first('argon2', (v) => v.name.includes('argon2id')),
];
const admin = createContext({ actor: { type: 'admin', id: 'test-admin' }, source: 'admin' });

let source: TestDatabase;
let target: TestDatabase;
let dir: string;

beforeAll(async () => {
  [source, target] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await Promise.all([ensureDefaults(source.store, admin), ensureDefaults(target.store, admin)]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-pw-export-'));
});

afterAll(async () => {
  await source?.close();
  await target?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('export -> import keeps every stored password usable', () => {
  it('Firebase scrypt, separate-field scrypt, bcrypt_hmac_sha384 and argon2 survive the round trip and verify', async () => {
    const stored: StoredPassword[] = [];
    for (const [i, v] of CASES.entries()) {
      const parsed = parseStoredPassword(v.input);
      if (!parsed.ok) throw new Error(parsed.reason);
      stored.push(parsed.password);
      const { userId } = await createUser(source.store, admin, { identities: [{ type: 'email', identity: `rt${i}@example.com` }] });
      await setPassword(source.store, admin, userId, parsed.password);
    }
    const projector = createProjector({ store: source.store, knex: source.knex, pool: source.pool, projections: allProjections(source.store), logger: createLogger('silent') });
    await projector.start();
    const lines: string[] = [];
    try {
      expect(await projector.waitFor(await source.store.headPosition(), 30_000)).toBe(true);
      for await (const u of exportUsers(source.store, source.knex)) lines.push(JSON.stringify(u));
    } finally {
      await projector.stop();
    }
    expect(lines).toHaveLength(CASES.length);
    const file = path.join(dir, 'export.ndjson');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const report = await runImport(target.store, file);
    expect(report.issues.filter((i) => i.code === 'PASSWORD_NOT_IMPORTED')).toEqual([]);

    for (const [i, v] of CASES.entries()) {
      const user = await loadUser(target.store, (await ownerOfValue(target.store, 'email', `rt${i}@example.com`))!);
      if (user.status !== 'active') throw new Error('expected an active user');
      expect(user.password?.stored, v.name).toEqual(stored[i]);
      expect(verifyPasswordSync(user.password!.stored, v.password), v.name).toBe(true);
    }
  });
});
