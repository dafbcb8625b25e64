import { openDatabase } from '../db/database';
import { TOKEN_LIFETIME_SECONDS } from '../http/auth';
import { ensureSigningKeys, rotateSigningKey } from '../http/auth/keys';
import { loadKeyCipher } from '../secrets/secret-key';
import type { CliCommand } from './commands';

/**
 * `roster keys rotate`: a new signing key signs every token and webhook from now
 * on (running servers see it within a second); the old keys stay in the JWKS
 * until every token they signed has expired (token lifetime + 5 minutes of clock
 * skew), then drop out. `roster keys list` shows the keys (ids and dates only).
 */
const USAGE = `Usage:
  roster keys rotate
  roster keys list
`;

/** How long a replaced key stays published: tokens it signed live TOKEN_LIFETIME_SECONDS; 5 minutes for clock skew. */
export const ROTATION_OVERLAP_SECONDS = TOKEN_LIFETIME_SECONDS + 300;

export const keysCommand: CliCommand = {
  summary: 'token signing keys: rotate, list',
  async run(args, { config, logger }) {
    const [sub] = args;
    if (sub !== 'rotate' && sub !== 'list') {
      process.stderr.write(USAGE);
      return 2;
    }
    const db = await openDatabase(config, logger);
    try {
      const cipher = loadKeyCipher(config, logger);
      // Also encrypts keys still stored in clear, and creates the first key on a new database.
      await ensureSigningKeys(db.knex, cipher);
      if (sub === 'rotate') {
        const r = await rotateSigningKey(db.knex, cipher, ROTATION_OVERLAP_SECONDS);
        const out = { signing_kid: r.kid, retiring: r.retiring.map((k) => ({ kid: k.kid, published_until: k.retiredAt.toISOString() })) };
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        return 0;
      }
      const rows = await db.knex<{ kid: string; created_at: Date; retired_at: Date | null }>('api_signing_keys').orderBy('created_at', 'desc').select('kid', 'created_at', 'retired_at');
      const now = Date.now();
      const out = rows.map((r, i) => ({
        kid: r.kid,
        created_at: r.created_at.toISOString(),
        published_until: r.retired_at?.toISOString() ?? null,
        status: i === 0 && !r.retired_at ? 'signing' : !r.retired_at || r.retired_at.getTime() > now ? 'published' : 'retired',
      }));
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return 0;
    } finally {
      await db.close();
    }
  },
};
