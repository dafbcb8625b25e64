import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOperators } from '../../src/cli/operators';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { findOperatorByEmail } from '../../src/operators/operators';
import { createSessions } from '../../src/operators/sessions';
import { announceSetupLink, consoleBaseUrl } from '../../src/operators/setup-link';
import { totpCode, verifyTotp } from '../../src/operators/totp';
import { verifyPassword } from '../../src/passwords';
import { createTestDatabase, type TestDatabase } from '../support/db';

/** `roster operators create|list|disable`, run as a user would, against a real database. */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

/** The real entry point in a child process (slow: used once, to prove stdin and the wiring). */
function rosterProcess(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'error', ROSTER_BCRYPT_COST: '4' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** The same command in this process, with the password given as standard input would give it. */
async function roster(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const config = loadConfig({ DATABASE_URL: db.url, ROSTER_BCRYPT_COST: '4' });
  const code = await runOperators(
    args,
    { config, logger: createLogger('silent') },
    {
      readPassword: async () => stdin.split(/\r?\n/)[0] ?? '',
      out: (t) => void (stdout += t),
      err: (t) => void (stderr += t),
    },
  );
  return { code, stdout, stderr };
}

const PASSWORD = 'a long operator passphrase';

describe('the setup link printed at start', () => {
  it('is printed while no operator exists, as http://<host>:<port>/admin/setup?token=…, valid 24 hours', async () => {
    let printed = '';
    const link = await announceSetupLink(db.knex, consoleBaseUrl(undefined, '0.0.0.0', 3000), (t) => (printed += t));
    expect(link).toMatch(/^http:\/\/localhost:3000\/admin\/setup\?token=[A-Za-z0-9_-]{43}$/);
    expect(printed).toContain(link);
    const [row] = await db.knex('operator_setup_tokens').whereNull('used_at').select(db.knex.raw('extract(epoch from expires_at - created_at) as seconds'));
    expect(Number(row.seconds)).toBe(24 * 3600);
    // Only the digest is stored.
    const token = new URL(link!).searchParams.get('token')!;
    expect(JSON.stringify(await db.knex('operator_setup_tokens').select('*'))).not.toContain(token);
  });

  it('uses ROSTER_PUBLIC_URL when set', () => {
    expect(consoleBaseUrl('https://roster.example.com/', '0.0.0.0', 3000)).toBe('https://roster.example.com');
    expect(consoleBaseUrl(undefined, '127.0.0.1', 8080)).toBe('http://127.0.0.1:8080');
  });
});

describe('roster operators', () => {
  it('create reads the password from stdin and stores only its bcrypt hash', async () => {
    const r = await rosterProcess(['operators', 'create', '--email', 'Alice@Example.com'], `${PASSWORD}\n`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { id: string; email: string };
    expect(out).toEqual({ id: expect.stringMatching(/^op_/), email: 'Alice@Example.com' });
    const op = (await findOperatorByEmail(db.knex, 'alice@example.com'))!;
    expect(op.password.method).toBe('bcrypt_hmac_sha384');
    expect(await verifyPassword(op.password, PASSWORD)).toBe(true);
    expect(r.stdout).not.toContain(PASSWORD);
    // Once an operator exists, no setup link is printed any more.
    expect(await announceSetupLink(db.knex, 'http://localhost:3000', () => {})).toBeUndefined();
  });

  it('create --totp prints the otpauth URI once and stores a working secret', async () => {
    const r = await roster(['create', '--email', 'bob@example.com', '--totp'], `${PASSWORD}\n`);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf('}') + 1)) as { totp_uri: string };
    const secret = new URL(out.totp_uri).searchParams.get('secret')!;
    const op = (await findOperatorByEmail(db.knex, 'bob@example.com'))!;
    expect(op.totpSecret).toBe(secret);
    expect(verifyTotp(secret, totpCode(secret))).toBe(true);
  });

  it.each([
    ['a taken email (any case)', ['--email', 'ALICE@example.com'], PASSWORD, 'OPERATOR_EMAIL_TAKEN'],
    ['a short password', ['--email', 'carol@example.com'], 'short', 'PASSWORD_TOO_SHORT'],
    ['a bad email', ['--email', 'not-an-email'], PASSWORD, 'OPERATOR_EMAIL_INVALID'],
  ])('create refuses %s with exit 2 and a stable code', async (_name, args, password, code) => {
    const before = await db.knex('operators').select('id');
    const r = await roster(['create', ...args], `${password}\n`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(code);
    expect(r.stderr).not.toContain(password === 'short' ? 'short\n' : PASSWORD);
    expect(await db.knex('operators').select('id')).toEqual(before);
  });

  it('list shows every operator without secrets', async () => {
    const r = await roster(['list']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { email: string; totp: boolean; disabled_at: string | null }[];
    expect(list.map((o) => [o.email, o.totp, o.disabled_at])).toEqual([
      ['Alice@Example.com', false, null],
      ['bob@example.com', true, null],
    ]);
    expect(r.stdout).not.toMatch(/\$2[aby]\$|secret|password/);
  });

  it('disable ends the operator’s sessions at once; a second disable exits 1', async () => {
    const op = (await findOperatorByEmail(db.knex, 'alice@example.com'))!;
    const sessions = createSessions(db.knex, 30);
    const { cookieValue } = await sessions.create(op);
    expect(await sessions.touch(cookieValue)).toBeDefined();
    const r = await roster(['disable', 'alice@example.com']);
    expect(r.code).toBe(0);
    expect(await sessions.touch(cookieValue)).toBeUndefined();
    expect((await findOperatorByEmail(db.knex, 'alice@example.com'))!.disabledAt).not.toBeNull();
    expect((await roster(['disable', op.id])).code).toBe(1);
  });

  it('create and disable are events on the operator’s stream, actor system `cli`, source system (the audit log’s input)', async () => {
    const op = (await findOperatorByEmail(db.knex, 'alice@example.com'))!;
    const events: { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[] = await db
      .knex('events')
      .where({ stream_id: `operator-${op.id}` })
      .orderBy('revision')
      .select('type', 'data', 'metadata');
    // One create (the refused second create of the same email recorded nothing) and one disable (the second disable matched no one).
    expect(events.map((e) => e.type)).toEqual(['OperatorCreated', 'OperatorDisabled']);
    expect(events[0]!.data).toEqual({ operatorId: op.id, email: 'Alice@Example.com', totp: false, firstOperator: false });
    for (const e of events) expect(e.metadata).toMatchObject({ actor: { type: 'system', id: 'cli' }, source: 'system' });
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  });

  it('a wrong call prints the usage and exits 2', async () => {
    const r = await roster(['rename']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('roster operators create --email EMAIL');
  });
});
