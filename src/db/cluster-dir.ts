import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';

export interface ServerUser {
  readonly uid: number;
  readonly gid: number;
}

/** Where clusters go when, as root, the postgres system user cannot reach ROSTER_DATA_DIR. */
export const ROOT_CLUSTERS_DIR = '/var/lib/roster';

/** A one-line error a user can act on: names the folder and the fix. */
export class DataDirUnreachableError extends Error {
  readonly code = 'DATA_DIR_UNREACHABLE';
}

/** Can `user` reach (search) `dir`, through every parent? Asked of the system, not guessed from mode bits. */
function canReach(user: ServerUser, dir: string): boolean {
  return spawnSync('test', ['-x', dir], { uid: user.uid, gid: user.gid, stdio: 'ignore' }).status === 0;
}

/**
 * The cluster's directory: `<dataDir>/pg`. As root, PostgreSQL runs as the
 * `postgres` system user, which must reach that folder. When it cannot (a
 * `mktemp -d` folder, anything under /root: mode 700), we do not loosen the
 * user's folder: the cluster goes to `/var/lib/roster/<id>/pg`, owned by
 * `postgres`, and `<dataDir>/pg` is a symbolic link to it (the password file,
 * the log and the lease files stay in `<dataDir>`, read by Roster only).
 */
export function resolveClusterDir(dataDir: string, user: ServerUser | undefined, logger: Logger): string {
  const link = path.join(dataDir, 'pg');
  if (!user) return link;
  const stat = fs.lstatSync(link, { throwIfNoEntry: false });
  if (stat?.isSymbolicLink()) {
    const target = fs.readlinkSync(link);
    // The folder made for it is there (the cluster itself may not be yet: initdb runs next).
    if (fs.existsSync(path.dirname(target))) return target;
    logger.warn('the embedded PostgreSQL cluster this data directory linked to is gone; creating a new one', { link, target });
    fs.rmSync(link);
  } else if (canReach(user, dataDir)) {
    return link;
  } else if (stat && fs.existsSync(path.join(link, 'PG_VERSION'))) {
    throw new DataDirUnreachableError(
      `ROSTER_DATA_DIR ${dataDir} holds an embedded PostgreSQL cluster the postgres system user cannot reach (PostgreSQL runs as that user when Roster runs as root): ` +
        `chmod o+x ${dataDir} and its parents, or run Roster as the user who owns the folder`,
    );
  } else if (stat) {
    fs.rmSync(link, { recursive: true, force: true }); // an initdb that failed here before
  }
  fs.mkdirSync(ROOT_CLUSTERS_DIR, { recursive: true, mode: 0o755 });
  if (!canReach(user, ROOT_CLUSTERS_DIR)) {
    throw new DataDirUnreachableError(
      `ROSTER_DATA_DIR ${dataDir} cannot be reached by the postgres system user that runs the embedded PostgreSQL as root, nor can ${ROOT_CLUSTERS_DIR}: ` +
        `run Roster as a normal user, or use a folder postgres can reach (e.g. chmod o+x ${dataDir} and its parents)`,
    );
  }
  const home = path.join(ROOT_CLUSTERS_DIR, randomBytes(8).toString('hex'));
  fs.mkdirSync(home, { mode: 0o700 });
  // For whoever finds this folder: which data directory it belongs to.
  fs.writeFileSync(path.join(home, 'data-dir'), `${dataDir}\n`);
  fs.chownSync(home, user.uid, user.gid);
  const cluster = path.join(home, 'pg');
  fs.symlinkSync(cluster, link);
  logger.info('the postgres system user cannot reach the data directory; the embedded PostgreSQL cluster lives outside it', { data_dir: dataDir, cluster });
  return cluster;
}
