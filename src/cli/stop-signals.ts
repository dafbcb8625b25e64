import { detachAllSync, stopAllEmbedded } from '../db/embedded';
import type { Logger } from '../logger';

/**
 * SIGINT and SIGTERM, counted together (people press Ctrl-C twice; supervisors
 * send SIGTERM again). What the first and second mean depends on the command
 * (setStopHandler); the third always exits at once, after asking the embedded
 * PostgreSQL for a fast shutdown when no other Roster process uses it. No
 * signal ever leaves the database this process started without an owner.
 */
export type StopHandler = (signal: NodeJS.Signals, count: number) => void;

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
const CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
let logger: Logger | undefined;
let handler: StopHandler = interrupt;
let count = 0;

export function installStopSignals(log: Logger): void {
  logger = log;
  for (const signal of SIGNALS) {
    process.on(signal, () => {
      count++;
      if (count >= 3) exitNow(signal);
      else handler(signal, count);
    });
  }
}

/** `roster serve` takes over once it listens (clean stop, then hurried stop). */
export function setStopHandler(h: StopHandler): void {
  handler = h;
}

/**
 * A hurried stop takes the database away from work still running (an import,
 * the projector, a request): their connection errors are expected then, and
 * must not crash the process before it has left the database. From here on
 * they are logged (debug) and the stop goes on.
 */
export function tolerateErrorsWhileLeaving(): void {
  const ignore = (err: unknown) => logger?.debug('error from work cut short by the stop', { err: err instanceof Error ? err : String(err) });
  process.on('uncaughtException', ignore);
  process.on('unhandledRejection', ignore);
}

/** Exits now; the database gets a fast-shutdown request but is not waited for. */
export function exitNow(signal: NodeJS.Signals): never {
  logger?.error('forced stop: exiting at once; the embedded PostgreSQL (when no other Roster process uses it) was sent a fast shutdown', { signal, signals: count });
  detachAllSync();
  process.exit(1);
}

/**
 * The default (every command but a running `serve`): the work stops where it
 * is (an import's committed batches stay; run it again to finish), the
 * database is left (and stopped when no other process uses it), and the
 * command exits 130 (SIGINT) or 143 (SIGTERM). A second signal exits at once.
 */
function interrupt(signal: NodeJS.Signals, n: number): void {
  if (n > 1) exitNow(signal);
  logger?.warn('interrupted: stopping', { signal });
  tolerateErrorsWhileLeaving();
  void stopAllEmbedded().finally(() => process.exit(CODES[signal] ?? 1));
}
