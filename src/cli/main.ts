import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { commands, usage } from './commands';
import { installStopSignals } from './stop-signals';

/**
 * `roster <command> [options]`. Exit codes: 0 success, 1 the work finished with
 * failures (e.g. rows that failed to import), 2 a wrong call or rejected input.
 */
async function main(argv: string[]): Promise<number> {
  const [name = 'serve', ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`roster: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`roster: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  // Commands other than serve keep the terminal for their own output.
  const logger = createLogger(name === 'serve' ? config.logLevel : config.logLevel === 'debug' ? 'debug' : 'warn');
  // Ctrl-C or SIGTERM never leaves the embedded PostgreSQL running without a Roster process (stop-signals.ts).
  installStopSignals(logger);
  return command.run(rest, { config, logger });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (failure: unknown) => {
    const err = failure as Error & { code?: string };
    process.stderr.write(`roster: ${err.code ? `${err.code}: ` : ''}${err.message}\n`);
    process.exitCode = 2;
  },
);
