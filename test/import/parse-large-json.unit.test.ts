import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openImport } from '../../src/commands/import/parse';

const USERS = 20_000;

/** A generated Keycloak users export (`{"realm":…, "users":[…]}`), produced lazily: the test holds no file in memory. */
function* keycloakChunks(users: number): Generator<Buffer> {
  yield Buffer.from('{\n  "realm" : "acme",\n  "users" : [ ');
  let parts: string[] = [];
  for (let i = 0; i < users; i++) {
    parts.push(
      JSON.stringify(
        {
          id: `kc-${i}`,
          createdTimestamp: 1700000000000 + i,
          username: `user_${i}`,
          enabled: true,
          emailVerified: true,
          firstName: `First ${i}`,
          lastName: 'Last',
          email: `user${i}@example.com`,
          credentials: [
            {
              type: 'password',
              secretData: '{"value":"qQ9m7Ia3VKpghHLZZ1sQRWdCNNv2XjnRvcjB9FDwPiHE71diLJJq88aXFpfCoD31BZlf9LoIUrV9VetvyHdnzg==","salt":"jR07Xi9qTHueDxorPE1ebw=="}',
              credentialData: '{"hashIterations":27500,"algorithm":"pbkdf2-sha256"}',
            },
          ],
          realmRoles: ['default-roles-acme', 'member'],
          groups: [`/org_${i % 50}`],
          requiredActions: [],
        },
        null,
        2,
      ),
    );
    if (parts.length === 200) {
      yield Buffer.from(parts.join(', ') + (i === users - 1 ? '' : ', '));
      parts = [];
    }
  }
  if (parts.length) yield Buffer.from(parts.join(', '));
  yield Buffer.from(' ]\n}\n');
}

describe('a large JSON document', () => {
  it(`streams ${USERS.toLocaleString('en')} users out of one Keycloak export with flat memory`, async () => {
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = heapBefore;
    const started = process.hrtime.bigint();
    const p = await openImport(Readable.from(keycloakChunks(USERS)), { batchSize: 1000 });
    expect(p.format).toBe('keycloak');
    let records = 0;
    let batches = 0;
    for await (const b of p.batches()) {
      batches++;
      records += b.records.length;
      expect(b.failed).toEqual([]);
      if (batches % 5 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const mib = p.bytesRead / 1024 / 1024;
    expect(records).toBe(USERS);
    expect(p.summary().rowsRead).toBe(USERS);
    console.log(
      `parse-large-json: ${USERS} users, ${mib.toFixed(1)} MiB in ${seconds.toFixed(2)} s = ${(USERS / seconds).toFixed(0)} users/s; heap growth peak ${((peak - heapBefore) / 1024 / 1024).toFixed(1)} MiB`,
    );
    // ~12 MiB of JSON, several times that as objects: the document is never held whole.
    expect(peak - heapBefore).toBeLessThan(60 * 1024 * 1024);
  });
});
