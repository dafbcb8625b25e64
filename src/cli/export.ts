import fs from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { exportUsers } from './export-users';
import { openRuntime } from '../runtime';
import type { CliCommand } from './commands';

/** `roster export [--out FILE]`: every user as Kinde NDJSON (stdout by default). */
export const exportCommand: CliCommand = {
  summary: 'write every user as Kinde NDJSON (with password hashes) to --out FILE or stdout',
  async run(args, { config, logger }) {
    let out: string | undefined;
    try {
      ({
        values: { out },
      } = parseArgs({ args, options: { out: { type: 'string' } } }));
    } catch (err) {
      process.stderr.write(`roster export: ${(err as Error).message}\nUsage: roster export [--out FILE]\n`);
      return 2;
    }
    const rt = await openRuntime(config, logger);
    const target = out ? fs.createWriteStream(out, { mode: 0o600 }) : process.stdout;
    try {
      // The user list comes from the read model: let it catch up first.
      await rt.projector.start();
      await rt.projector.waitFor(await rt.store.headPosition(), 10 * 60_000);
      let n = 0;
      for await (const user of exportUsers(rt.store, rt.db.knex)) {
        if (!target.write(JSON.stringify(user) + '\n')) await once(target, 'drain');
        n++;
      }
      if (out) {
        (target as fs.WriteStream).end();
        await once(target, 'finish');
        process.stderr.write(`exported ${n} users to ${out}\n`);
      }
      return 0;
    } finally {
      await rt.close();
    }
  },
};
