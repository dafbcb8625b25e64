import type { Config } from '../config';
import type { Logger } from '../logger';
import { auditCommand } from './audit';
import { exportCommand } from './export';
import { importCommand } from './import';
import { keysCommand } from './keys';
import { clientsCommand } from './clients';
import { operatorsCommand } from './operators';
import { migrateCommand } from './migrate';
import { rebuildCommand } from './rebuild';
import { serveCommand } from './serve';
import { statsCommand } from './stats';

export interface CliContext {
  readonly config: Config;
  readonly logger: Logger;
}

export interface CliCommand {
  readonly summary: string;
  run(args: string[], ctx: CliContext): Promise<number>;
}

export const commands: Record<string, CliCommand> = {
  serve: serveCommand,
  migrate: migrateCommand,
  clients: clientsCommand,
  operators: operatorsCommand,
  keys: keysCommand,
  stats: statsCommand,
  import: importCommand,
  export: exportCommand,
  rebuild: rebuildCommand,
  audit: auditCommand,
};

export function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: roster <command> [options]\n\nCommands:\n${lines.join('\n')}\n`;
}
