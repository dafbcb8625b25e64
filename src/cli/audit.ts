import { verifyAuditChain } from '../projections/audit/queries';
import { openRuntime } from '../runtime';
import type { CliCommand } from './commands';

/** `roster audit verify`: recompute the audit log's hash chain and name the first entry that does not match. */
export const auditCommand: CliCommand = {
  summary: 'audit verify: recompute the audit log hash chain (exit 1 on the first entry that does not match)',
  async run(args, { config, logger }) {
    if (args[0] !== 'verify' || args.length > 1) {
      process.stderr.write('Usage: roster audit verify\n');
      return 2;
    }
    const rt = await openRuntime(config, logger);
    try {
      const result = await verifyAuditChain(rt.db.knex);
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return result.ok ? 0 : 1;
    } finally {
      await rt.close();
    }
  },
};
