import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { keyCipherFromBytes, type KeyCipher } from './key-cipher';

/**
 * The key that encrypts secrets at rest: ROSTER_SECRET_KEY when set, otherwise a
 * random key kept in `<ROSTER_DATA_DIR>/secret.key` (created mode 600 at first
 * start). Either way it is never written to the database.
 */
export const KEY_FILE_NAME = 'secret.key';

export function loadKeyCipher(config: Pick<Config, 'secretKey' | 'dataDir' | 'databaseUrl'>, logger: Logger): KeyCipher {
  if (config.secretKey) return keyCipherFromBytes(Buffer.from(config.secretKey, 'utf8'), 'ROSTER_SECRET_KEY');
  const file = path.join(config.dataDir, KEY_FILE_NAME);
  const { material, created } = readOrCreateKeyFile(file);
  if (created) logger.info('created the secret key file that encrypts signing keys at rest', { file });
  if (config.databaseUrl) {
    // The embedded database lives beside the file; an external one does not, and every process needs the same key.
    logger.warn(
      'signing keys in the external database are encrypted with a key file: every Roster process on this database needs this same file; set ROSTER_SECRET_KEY instead, and keep the key apart from database backups',
      { file },
    );
  }
  return keyCipherFromBytes(material, file);
}

function readOrCreateKeyFile(file: string): { material: Buffer; created: boolean } {
  // No mode here: the embedded database decides who may enter the data directory; the key file itself is 600.
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let created = false;
  if (!fs.existsSync(file)) {
    // Written beside, then linked into place: two processes starting at once never see a half-written key.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(tmp, file);
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) throw new Error(`${file} is readable by other users (mode ${mode.toString(8)}); run chmod 600 on it`);
  const material = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (material.length < 32) throw new Error(`${file} does not hold a 32-byte base64 key; restore it from your backup (or set ROSTER_SECRET_KEY)`);
  return { material, created };
}
