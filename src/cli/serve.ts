import type { Server } from 'node:http';
import { openRuntime } from '../runtime';
import { createServerApp } from '../server';
import { createKeyRing } from '../http/auth/keys';
import { announceSetupLink, consoleBaseUrl } from '../operators/setup-link';
import { startWebhookDispatcher } from '../webhooks/dispatcher';
import { createWebhookSigner } from '../webhooks/signer';
import type { CliCommand } from './commands';
import { setStopHandler, tolerateErrorsWhileLeaving } from './stop-signals';

/**
 * Runs the service. On SIGTERM/SIGINT: stop accepting connections, let in-flight
 * requests finish, stop the projector, then the event store and the database
 * (the embedded PostgreSQL too, when no other Roster process uses it); exit 0.
 * A second signal hurries that and exits 1; a third exits at once (stop-signals.ts).
 */
export const serveCommand: CliCommand = {
  summary: 'run the HTTP service and the projections (default)',
  async run(_args, { config, logger }) {
    const rt = await openRuntime(config, logger);
    await rt.projector.start();
    const resumed = await rt.imports.resumePending();
    if (resumed) logger.info('resumed interrupted imports', { count: resumed });
    // Webhook deliveries run beside the API: a slow endpoint never holds up a request.
    // The signer loads the API signing key through the key ring (keys are encrypted at rest; keyCipher decrypts them).
    const keyRing = createKeyRing(rt.db.knex, rt.keyCipher);
    const dispatcher = startWebhookDispatcher({ knex: rt.db.knex, logger, config, signer: createWebhookSigner(() => keyRing.signing()) });
    const app = createServerApp(rt, { dispatcher });
    await app.ready;
    const server: Server = await new Promise((resolve, reject) => {
      const s = app.listen(config.port, config.host, () => resolve(s));
      s.once('error', reject);
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info('roster listening', { url: `http://localhost:${port}`, event_store: rt.store.kind });
    await announceSetupLink(rt.db.knex, consoleBaseUrl(config.publicUrl, config.host, port), (text) => process.stdout.write(text));

    return new Promise<number>((resolve) => {
      // First signal: clean stop. Second: hurry (connections closed now, PostgreSQL fast shutdown), exit 1. Third: exit at once.
      setStopHandler((signal, n) => {
        if (n === 1) {
          logger.info('shutting down', { signal });
          void stopCleanly().then(
            () => {
              cleanlyStopped = true;
              logger.info('stopped', { clean: true });
              resolve(0);
            },
            (err: unknown) => {
              logger.error('error during shutdown', { err });
              // Whatever failed before it, the database is still left (and stopped when no one else uses it).
              void (rt.db.embedded?.stop() ?? Promise.resolve()).finally(() => {
                logger.warn('stopped', { clean: false });
                resolve(1);
              });
            },
          );
          return;
        }
        if (cleanlyStopped) return; // too late to hurry: the process is exiting with 0
        logger.warn('second signal: hurrying shutdown (closing connections now, fast shutdown of the embedded PostgreSQL)', { signal });
        tolerateErrorsWhileLeaving();
        server.closeAllConnections();
        // Not waiting for running imports, webhooks or the projector: leaving the database is what must not be skipped.
        void (rt.db.embedded?.stop() ?? Promise.resolve())
          .catch((err: unknown) => logger.error('could not leave the embedded PostgreSQL', { err }))
          .then(() => {
            logger.warn('stopped (forced by a second signal)', { clean: false });
            process.exit(1);
          });
      });
      let cleanlyStopped = false;
      const stopCleanly = async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        await closed;
        clearTimeout(force);
        await dispatcher.stop();
        await rt.close();
      };
    });
  },
};
