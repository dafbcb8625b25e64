import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventData } from '../../src/eventstore/types';
import { auditProjection } from '../../src/projections/audit/projection';
import { listAuditLog, verifyAuditChain } from '../../src/projections/audit/queries';
import { roleGrantsProjection } from '../../src/projections/role-grants/projection';
import { usersProjection } from '../../src/projections/users/projection';
import { listUsers } from '../../src/projections/users/queries';
import { ev, identity, orgCode, startHarness, userId, type Harness } from './harness';

/** An import: many UserImported events (one per user stream) plus the job's own events. */
describe('bulk import through the read models', () => {
  let h: Harness;
  const org = orgCode();
  const N = 5000;
  const job = 'imp_bulk';
  const importMeta = { source: 'import' as const, actor: { type: 'import' as const, id: job }, import: { id: job, format: 'csv', checksum: 'c', lines: [1] } };
  beforeAll(async () => {
    h = await startHarness([usersProjection, auditProjection, roleGrantsProjection]);
  }, 60_000);
  afterAll(async () => h?.close());

  it(`projects ${N} imported users in batches, one audit entry per imported user and per job event`, async () => {
    await h.db.store.appendToStream(
      `import-${job}`,
      [ev('ImportStarted', { importId: job, format: 'csv', checksum: 'c', totalBytes: 1, columns: ['email'], fileWarnings: [] }, importMeta)],
      'no_stream',
    );
    const appends: { streamId: string; events: EventData[]; expectedRevision: 'no_stream' }[] = [];
    for (let i = 0; i < N; i++) {
      const id = userId();
      appends.push({
        streamId: `user-${id}`,
        expectedRevision: 'no_stream',
        events: [
          ev(
            'UserImported',
            {
              userId: id,
              isNew: true,
              mode: 'merge',
              firstName: `First${i}`,
              lastName: `Last${String(i).padStart(5, '0')}`,
              identities: [identity(id, 'email', `user${i}@example.com`)],
              organizations: [{ orgCode: org, roleIds: ['role_x'], permissionIds: [] }],
              properties: {},
              featureFlags: {},
              password: { method: 'bcrypt', hash: '$2b$10$xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' },
            },
            importMeta,
          ),
        ],
      });
    }
    const started = Date.now();
    for (let i = 0; i < appends.length; i += 1000) await h.db.store.appendToStreams(appends.slice(i, i + 1000));
    const appended = Date.now();
    const done = await h.db.store.appendToStream(
      `import-${job}`,
      [ev('ImportCompleted', { importId: job, counts: { rows: N, rows_failed: 0, rows_with_warnings: 0, users_created: N, users_updated: 0, users_unchanged: 0, users_skipped: 0 } }, importMeta)],
      0,
    );
    expect(await h.projector.waitFor(done.position, 120_000)).toBe(true);
    const seconds = (Date.now() - started) / 1000;
    console.log(`append ${((appended - started) / 1000).toFixed(1)}s`);
    console.log(`bulk import: ${N} users appended and projected by users, audit_log and role_grants in ${seconds.toFixed(1)}s (${Math.round(N / seconds)} users/s)`);
    expect(Number((await h.db.knex('users_v2').count({ n: '*' }).first())!.n)).toBe(N);
    expect(Number((await h.db.knex('role_grants_v1').whereNull('valid_to').count({ n: '*' }).first())!.n)).toBe(N);
    const log = (await listAuditLog(h.db.knex, { page_size: 3 })).audit_log;
    expect(log.map((e) => e.type)).toEqual(['import.completed', 'user.imported', 'user.imported']);
    expect(log[0]!.details).toMatchObject({ counts: { users_created: N } });
    expect(log[1]!.details).toMatchObject({ import: { id: job, format: 'csv', checksum: 'c', lines: [1] } });
    expect(JSON.stringify(log[1]!.details)).not.toContain('$2b$');
    expect(await verifyAuditChain(h.db.knex)).toEqual({ ok: true, entries: N + 2 });
    const page = await listUsers(h.db.knex, { sort: 'name_desc', page_size: 3, org_code: org });
    // Names sort as text: "First999 Last00999" is the greatest.
    expect(page.users.map((u) => u.full_name)).toEqual(['First999 Last00999', 'First998 Last00998', 'First997 Last00997']);
  }, 180_000);
});
