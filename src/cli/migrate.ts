import { openDatabase } from '../db/database';
import type { CliCommand } from './commands';

export const migrateCommand: CliCommand = {
  summary: 'apply database migrations and exit',
  async run(_args, { config, logger }) {
    const db = await openDatabase(config, logger);
    await db.close();
    process.stdout.write('migrations up to date\n');
    return 0;
  },
};
