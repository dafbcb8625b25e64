import { parseArgs } from 'node:util';
import { cliContext, recordAdminEvent } from '../commands/admin-events';
import { adminStreams } from '../domain/admin/events';
import { checkpointName } from '../projections/projection';
import { openRuntime } from '../runtime';
import type { CliCommand } from './commands';

/**
 * `roster rebuild NAME | --all`: build projections again from position zero beside
 * the live tables, then swap. Queries keep answering from the old tables meanwhile.
 * While `roster serve` runs it holds the projections: use
 * `POST /api/v1/projections/{name}/rebuild` there instead.
 */
export const rebuildCommand: CliCommand = {
  summary: 'rebuild a read model (NAME) or every one (--all) from the events, beside the live tables',
  async run(args, { config, logger }) {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, options: { all: { type: 'boolean' } } });
    } catch (err) {
      process.stderr.write(`roster rebuild: ${(err as Error).message}\nUsage: roster rebuild NAME | --all\n`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (!values.all && positionals.length !== 1) {
      process.stderr.write('Usage: roster rebuild NAME | --all\n');
      return 2;
    }
    const rt = await openRuntime(config, logger);
    try {
      const names = values.all ? rt.projector.projections.map((p) => p.name) : positionals;
      const unknown = names.filter((n) => !rt.projector.projections.some((p) => p.name === n));
      if (unknown.length) {
        process.stderr.write(`roster rebuild: unknown projection ${unknown.join(', ')} (known: ${rt.projector.projections.map((p) => p.name).join(', ')})\n`);
        return 2;
      }
      await rt.projector.start();
      // Wait until this process holds the projections' locks (it cannot while `roster serve` holds them).
      const deadline = Date.now() + 5_000;
      for (;;) {
        const status = await rt.projector.status();
        const mine = status.filter((s) => names.includes(s.name));
        if (mine.every((s) => s.running_here)) break;
        if (Date.now() > deadline) {
          process.stderr.write('roster rebuild: another process (roster serve) applies these projections; use POST /api/v1/projections/{name}/rebuild on it\n');
          return 2;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      // Recorded first (actor system `cli`), so a rebuilt audit log has its own rebuild.
      for (const name of names) {
        const { version } = rt.projector.projections.find((p) => p.name === name)!;
        await recordAdminEvent(rt.store, adminStreams.projections(), { type: 'ProjectionRebuildRequested', data: { projection: name, version } }, cliContext());
      }
      // All of them at once: the feed is read once for every read model being rebuilt.
      const started = Date.now();
      await rt.projector.rebuild(names);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      for (const name of names) process.stdout.write(`rebuilt ${checkpointName(rt.projector.projections.find((x) => x.name === name)!)} in ${seconds} s\n`);
      return 0;
    } finally {
      await rt.close();
    }
  },
};
