import { openRuntime } from '../runtime';
import type { CliCommand } from './commands';

/** Works while `roster serve` runs on the same data: it only reads. */
export const statsCommand: CliCommand = {
  summary: 'print event, stream and projection figures as JSON',
  async run(_args, { config, logger }) {
    const rt = await openRuntime(config, logger);
    try {
      const [stats, projections] = await Promise.all([rt.store.stats(), rt.projector.status()]);
      const out = {
        events: stats.events,
        streams: stats.streams,
        projections: projections.map((p) => ({
          name: p.name,
          checkpoint: p.checkpoint,
          lag_events: p.lag_events,
          lag_seconds: p.lag_seconds,
          failed_events: p.failed_events,
        })),
      };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return 0;
    } finally {
      await rt.close();
    }
  },
};
