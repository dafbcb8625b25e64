import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adminToken, postgresProcessesOf, startRoster, startServe, stopLeftoverRosters, waitFor, type RosterProcess } from '../support/roster-process';

/**
 * The embedded PostgreSQL's lifecycle with real `roster` processes and real
 * signals (issue 17): it stops when the last Roster process using it stops —
 * on a clean stop, a hurried one (second signal), after the owner was killed,
 * and with `serve` and `roster import` sharing a data directory — and the data
 * survives. Each scenario has its own data directory, made like `mktemp -d`
 * (mode 700): as root, that is the folder the postgres system user cannot
 * reach (issue 13, item 7).
 */
const linux = process.platform === 'linux';
if (!linux) console.warn('lifecycle.e2e: skipped, it finds PostgreSQL processes through /proc (Linux only)');
const asRoot = process.getuid?.() === 0;
// Each scenario starts several real servers (tsx, migrations, PostgreSQL), side by side on a shared machine.
const TIMEOUT = 240_000;

const dirs: string[] = [];
function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-lifecycle-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await stopLeftoverRosters();
  for (const dir of dirs) {
    // As root the cluster may live outside the folder (a link to /var/lib/roster/<id>/pg): remove it too.
    const link = path.join(dir, 'pg');
    if (fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) fs.rmSync(path.dirname(fs.readlinkSync(link)), { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

async function noPostgresWithin15s(dir: string) {
  await waitFor(() => postgresProcessesOf(dir).length === 0, 15_000, `no postgres process for ${dir}`);
}

async function api(url: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  const token = await adminToken(url);
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    if (typeof body !== 'string') (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  return fetch(`${url}${route}`, init);
}

async function createUser(url: string, email: string) {
  const res = await api(url, 'POST', '/api/v1/user', { profile: { given_name: 'Kept' }, identities: [{ type: 'email', details: { email } }] });
  expect(res.status).toBe(200);
  await waitForUser(url, email);
}

/** The users read model has `email` (the projector may still be catching up after a start). */
async function waitForUser(url: string, email: string) {
  await waitFor(
    async () => {
      const res = await api(url, 'GET', `/api/v1/users?email=${encodeURIComponent(email)}`);
      const json = (await res.json()) as { users?: { email?: string }[] };
      return (json.users ?? []).length === 1;
    },
    30_000,
    `user ${email}`,
  );
}

/** An HTTP import big enough to be still running when the signals arrive. */
async function startHttpImport(url: string, rows: number) {
  const csv = ['email,first_name', ...Array.from({ length: rows }, (_, i) => `bulk${i}@example.com,Bulk`)].join('\n') + '\n';
  const res = await api(url, 'POST', '/api/v1/imports', csv, { 'content-type': 'text/csv' });
  expect(res.status).toBe(202);
}

/** Two signals: the second once the first has started the shutdown. */
async function doubleSignal(p: RosterProcess, signal: NodeJS.Signals) {
  p.signal(signal);
  await p.waitForLine(/"msg":"shutting down"/);
  p.signal(signal);
}

// The scenarios use separate data directories: they run side by side.
describe.runIf(linux).concurrent('embedded PostgreSQL lifecycle', () => {
  it(
    'double SIGTERM, double SIGINT, triple SIGTERM right after an HTTP import: forced stop (exit 1), database stopped, data kept',
    async () => {
      const dir = dataDir();
      const first = await startServe(dir);
      await createUser(first.url, 'before@example.com');
      await startHttpImport(first.url, 5000);
      await doubleSignal(first, 'SIGTERM');
      expect(await first.exited).toBe(1);
      expect(first.lines.filter((l) => l.includes('"msg":"stopped')).join('\n') || first.lines.slice(-15).join('\n')).toMatch(/"msg":"stopped \(forced by a second signal\)"/);
      await noPostgresWithin15s(dir);

      const second = await startServe(dir);
      // The import cut short by the hurried stop carries on.
      expect(second.lines.some((l) => l.includes('"msg":"resuming an interrupted import"'))).toBe(true);
      await waitForUser(second.url, 'before@example.com');
      await startHttpImport(second.url, 5000);
      await doubleSignal(second, 'SIGINT');
      expect(await second.exited).toBe(1);
      await noPostgresWithin15s(dir);

      // A third signal exits at once, after asking PostgreSQL for a fast shutdown.
      const third = await startServe(dir);
      await waitForUser(third.url, 'before@example.com');
      await startHttpImport(third.url, 5000);
      await doubleSignal(third, 'SIGTERM');
      await third.waitForLine(/"msg":"second signal: hurrying shutdown/);
      third.signal('SIGTERM');
      expect(await third.exited).toBe(1);
      // Either the third signal cut it short, or the hurried stop had just finished: a forced stop, said so, either way.
      expect(third.lines.some((l) => /"msg":"(forced stop: exiting at once|stopped \(forced by a second signal\))/.test(l))).toBe(true);
      await noPostgresWithin15s(dir);

      if (asRoot) {
        // Item 7: the user's folder was not loosened; the cluster lives where the postgres user can reach it.
        expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
        expect(fs.lstatSync(path.join(dir, 'pg')).isSymbolicLink()).toBe(true);
      }
    },
    TIMEOUT,
  );

  it(
    'kill -9 of the owner: the next serve adopts the running PostgreSQL; with a second serve joined, the last to stop stops it',
    async () => {
      const dir = dataDir();
      const first = await startServe(dir);
      await createUser(first.url, 'survivor@example.com');
      first.signal('SIGKILL');
      await first.exited;
      // The owner is gone; its PostgreSQL is not.
      expect(postgresProcessesOf(dir).length).toBeGreaterThan(0);

      const second = await startServe(dir);
      expect(second.lines.some((l) => l.includes('"msg":"adopting the embedded PostgreSQL left running by a Roster process that is gone"'))).toBe(true);
      await waitForUser(second.url, 'survivor@example.com');
      // A second serve on the same data directory joins; the adopter stops first and leaves the server to it.
      const joiner = await startServe(dir);
      expect(joiner.lines.some((l) => l.includes('"msg":"joining the embedded PostgreSQL already running on this data directory"'))).toBe(true);
      second.signal('SIGTERM');
      expect(await second.exited).toBe(0);
      expect(second.lines.some((l) => /"msg":"stopped","clean":true/.test(l))).toBe(true);
      expect(postgresProcessesOf(dir).length).toBeGreaterThan(0);
      await waitForUser(joiner.url, 'survivor@example.com');
      joiner.signal('SIGTERM');
      expect(await joiner.exited).toBe(0);
      await noPostgresWithin15s(dir);
    },
    TIMEOUT,
  );

  it(
    'serve and roster import on one data directory: the database stops when the last of them stops, whichever it is',
    async () => {
      const dir = dataDir();
      const file = path.join(dir, 'users.csv');
      fs.writeFileSync(file, 'email,first_name\ncli1@example.com,Cli\ncli2@example.com,Cli\n');
      const leases = () => fs.readdirSync(path.join(dir, 'attached')).length;

      // The server stops first: the import, still attached, keeps the database until it ends.
      const serve = await startServe(dir);
      await createUser(serve.url, 'shared@example.com');
      const importing = startRoster(['import', file], dir);
      await waitFor(() => leases() === 2, 60_000, 'roster import attached');
      importing.signal('SIGSTOP'); // held where it is, attached, until the server has stopped
      serve.signal('SIGTERM');
      expect(await serve.exited).toBe(0);
      expect(serve.lines.some((l) => l.includes('"msg":"leaving the embedded PostgreSQL running for the other Roster processes using it"'))).toBe(true);
      expect(postgresProcessesOf(dir).length).toBeGreaterThan(0);
      importing.signal('SIGCONT');
      expect(await importing.exited).toBe(0);
      await noPostgresWithin15s(dir);

      // The reverse: an import while serve runs ends first; serve still has its database, then stops it.
      const again = await startServe(dir);
      await waitForUser(again.url, 'shared@example.com');
      fs.writeFileSync(file, 'email,first_name\ncli3@example.com,Cli\n');
      const second = startRoster(['import', file], dir);
      expect(await second.exited).toBe(0);
      expect(postgresProcessesOf(dir).length).toBeGreaterThan(0);
      await waitForUser(again.url, 'cli3@example.com');
      await waitForUser(again.url, 'cli1@example.com');
      again.signal('SIGTERM');
      expect(await again.exited).toBe(0);
      await noPostgresWithin15s(dir);

      // An interrupted command alone on the data directory stops the database it started, and exits 130.
      fs.writeFileSync(file, 'email,first_name\ncli4@example.com,Cli\n');
      const interrupted = startRoster(['import', file], dir);
      await waitFor(() => leases() === 1, 60_000, 'roster import attached');
      interrupted.signal('SIGSTOP'); // the SIGINT below waits, pending, for SIGCONT: it lands while the import is attached
      interrupted.signal('SIGINT');
      interrupted.signal('SIGCONT');
      expect(await interrupted.exited).toBe(130);
      await noPostgresWithin15s(dir);
    },
    TIMEOUT,
  );
});
