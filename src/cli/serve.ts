import type { Server } from 'node:http';
import { openRuntime } from '../runtime';
import { createServerApp } from '../server';
import { startWebhookDispatcher } from '../webhooks/dispatcher';
import type { CliCommand } from './commands';

/**
 * Runs the service. On SIGTERM/SIGINT: stop accepting connections, let in-flight
 * requests finish, stop the projector, then the event store and the database
 * (the embedded PostgreSQL too, when this process started it).
 */
export const serveCommand: CliCommand = {
  summary: 'run the HTTP service and the projections (default)',
  async run(_args, { config, logger }) {
    const rt = await openRuntime(config, logger);
    await rt.projector.start();
    const resumed = await rt.imports.resumePending();
    if (resumed) logger.info('resumed interrupted imports', { count: resumed });
    // Webhook deliveries run beside the API: a slow endpoint never holds up a request.
    const dispatcher = startWebhookDispatcher({ knex: rt.db.knex, logger, config, keyCipher: rt.keyCipher });
    const app = createServerApp(rt, { dispatcher });
    await app.ready;
    const server: Server = await new Promise((resolve, reject) => {
      const s = app.listen(config.port, config.host, () => resolve(s));
      s.once('error', reject);
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info('roster listening', { url: `http://localhost:${port}`, event_store: rt.store.kind });

    return new Promise<number>((resolve) => {
      let shuttingDown = false;
      const shutdown = async (signal: string) => {
        if (shuttingDown) return;
        shuttingDown = true;
        logger.info('shutting down', { signal });
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        await closed;
        clearTimeout(force);
        await dispatcher.stop();
        await rt.close();
        logger.info('stopped');
        resolve(0);
      };
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      process.once('SIGINT', () => void shutdown('SIGINT'));
    });
  },
};
