import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { IMPORT_FORMATS, IMPORT_MODES } from '../domain/import/events';
import type { ImportMode } from '../domain/user/import';
import { runImport } from '../commands/import/run';
import type { ImportFormat } from '../commands/import/parse';
import { parseColumnMap, type ColumnMap } from '../commands/import/parse/column-map';
import { parseFirebaseHashConfig, type FirebaseHashConfig } from '../commands/import/parse/firebase';
import { openRuntime } from '../runtime';
import type { CliCommand } from './commands';
import { duplicateTable } from './duplicate-table';

const USAGE = `Usage: roster import FILE [--format ${IMPORT_FORMATS.join('|')}] [--mode merge|update|create_only] [--dry-run] [--json]
         [--map mapping.json] [--migration NAME]
         [--hash-config hash_config.json | --base64-signer-key K --base64-salt-separator S --rounds N --mem-cost N]
`;

/**
 * `roster import FILE`: runs an import job in this process (whether or not
 * `roster serve` runs on the same data), then waits for the read models to have
 * it. Exit code 0: no row failed; 1: some rows failed; 2: the file was rejected
 * or the call was wrong.
 */
export const importCommand: CliCommand = {
  summary: 'import users from a Kinde CSV / Kinde NDJSON / Auth0 export file',
  async run(args, { config, logger }) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: {
          format: { type: 'string' },
          mode: { type: 'string' },
          'dry-run': { type: 'boolean' },
          json: { type: 'boolean' },
          help: { type: 'boolean' },
          map: { type: 'string' },
          migration: { type: 'string' },
          'hash-config': { type: 'string' },
          'base64-signer-key': { type: 'string' },
          'base64-salt-separator': { type: 'string' },
          rounds: { type: 'string' },
          'mem-cost': { type: 'string' },
        },
      });
    } catch (err) {
      process.stderr.write(`roster import: ${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const file = positionals[0];
    const wrong = (msg: string) => {
      process.stderr.write(`roster import: ${msg}\n${USAGE}`);
      return 2;
    };
    if (!file || positionals.length > 1) return wrong('give exactly one FILE');
    if (values.format && !(IMPORT_FORMATS as readonly string[]).includes(values.format)) return wrong(`unknown --format ${values.format}`);
    if (values.mode && !(IMPORT_MODES as readonly string[]).includes(values.mode)) return wrong(`unknown --mode ${values.mode}`);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return wrong(`no such file: ${file}`);
    let columnMap: ColumnMap | undefined;
    if (values.map !== undefined) {
      if (!fs.existsSync(values.map)) return wrong(`no such map file: ${values.map}`);
      const m = parseColumnMap(fs.readFileSync(values.map, 'utf8'));
      if (!m.ok) return wrong(`--map ${values.map}: ${m.reason}`);
      columnMap = m.map;
    }
    let firebaseHashConfig: FirebaseHashConfig | undefined;
    const hashFlags = {
      base64_signer_key: values['base64-signer-key'],
      base64_salt_separator: values['base64-salt-separator'],
      rounds: values.rounds,
      mem_cost: values['mem-cost'],
    };
    const flagged = Object.entries(hashFlags).filter(([, v]) => v !== undefined);
    if (values['hash-config'] !== undefined || flagged.length > 0) {
      if (values['hash-config'] !== undefined && !fs.existsSync(values['hash-config'])) return wrong(`no such hash config file: ${values['hash-config']}`);
      const text = values['hash-config'] !== undefined ? fs.readFileSync(values['hash-config'], 'utf8') : JSON.stringify(Object.fromEntries(flagged));
      const c = parseFirebaseHashConfig(text);
      if (!c.ok) return wrong(`Firebase hash parameters: ${c.reason}`);
      firebaseHashConfig = c.config;
    }
    if (values.migration !== undefined && (values.migration.trim() === '' || values.migration.length > 200)) return wrong('--migration must be 1-200 characters');

    const total = fs.statSync(file).size;
    const tty = process.stderr.isTTY && !values.json;
    const bar = tty
      ? new cliProgress.SingleBar(
          { format: 'importing |{bar}| {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}', stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    const started = Date.now();
    bar?.start(total, 0, { rows: 0, rate: 0 });

    const rt = await openRuntime(config, logger);
    try {
      await rt.projector.start();
      const report = await runImport(rt.store, path.resolve(file), {
        format: values.format as ImportFormat | undefined,
        mode: (values.mode as ImportMode | undefined) ?? 'merge',
        dryRun: values['dry-run'] ?? false,
        fileName: path.basename(file),
        columnMap,
        firebaseHashConfig,
        migration: values.migration?.trim(),
        limits: config.importMaxBytes ? { maxFileBytes: config.importMaxBytes } : undefined,
        requestedBy: { actorId: 'cli' },
        onProgress: (p) => bar?.update(p.bytesRead, { rows: p.rowsRead, rate: Math.round(p.rowsRead / Math.max(0.001, (Date.now() - started) / 1000)) }),
      });
      bar?.update(total);
      bar?.stop();
      // The read models (and the report's error log) are up to date before we return.
      if (report.position) await rt.projector.waitFor(report.position, 10 * 60_000);

      if (values.json) {
        const { issues, position: _position, ...job } = report;
        process.stdout.write(JSON.stringify({ import: job, errors: [...report.errors, ...issues] }, null, 2) + '\n');
      } else {
        printSummary(report, (Date.now() - started) / 1000);
      }
      if (report.status === 'failed') return 2;
      return report.counts.rows_failed > 0 ? 1 : 0;
    } finally {
      bar?.stop();
      await rt.close();
    }
  },
};

function printSummary(report: Awaited<ReturnType<typeof runImport>>, seconds: number) {
  const out = process.stdout;
  if (report.status === 'failed') {
    out.write(`Import ${report.id} rejected the file; nothing was applied.\n`);
    for (const e of report.errors) out.write(`  ${e.code}: ${e.message}\n`);
    return;
  }
  const c = report.counts;
  const rows: [string, number | string][] = [
    ['rows', c.rows],
    ['rows failed', c.rows_failed],
    ['rows with warnings', c.rows_with_warnings],
    ['users created', c.users_created],
    ['users updated', c.users_updated],
    ['users unchanged', c.users_unchanged],
    ['users skipped', c.users_skipped],
    ['seconds', seconds.toFixed(1)],
  ];
  out.write(`Import ${report.id} (${report.format}, mode ${report.mode}${report.dry_run ? ', dry run: nothing written' : ''})\n`);
  for (const [k, v] of rows) out.write(`  ${k.padEnd(20)} ${String(v).padStart(10)}\n`);
  for (const w of report.file_warnings) out.write(`  warning ${w.code}: ${w.message}\n`);
  out.write(duplicateTable(report.issues.filter((i) => i.code === 'POSSIBLE_DUPLICATE')));
  const errors = report.issues.filter((i) => i.severity === 'error');
  if (errors.length) {
    out.write(`\nFirst errors (all of them: GET /api/v1/imports/${report.id}/errors, or --json):\n`);
    for (const e of errors.slice(0, 10)) out.write(`  line ${e.line}: ${e.code}${e.field ? ` (${e.field})` : ''}: ${e.message}\n`);
  }
}
