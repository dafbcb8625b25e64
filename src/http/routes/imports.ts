import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import busboy from 'busboy';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { importStream } from '../../domain/import/events';
import { IMPORT_FORMATS, IMPORT_MODES } from '../../domain/import/events';
import type { ImportJobs } from '../../commands/import/jobs';
import { newImportId } from '../../commands/import/run';
import { toEventData } from '../../commands/handle';
import { failedRowCsvLine, failedRowNdjsonLine, failedRowsCsvHeader, validateImport, type FileValidation, type ImportFormat, type ImportIssueCode } from '../../commands/import/parse';
import { parseColumnMap, type ColumnMap } from '../../commands/import/parse/column-map';
import { parseFirebaseHashConfig, type FirebaseHashConfig } from '../../commands/import/parse/firebase';
import { failedRowsWithErrors, getImport, listImportIssues, listImports } from '../../projections/imports/queries';
import { contextFrom, mount, notFound, pageSize, queryBool, settle, success, endpoint, type ApiDeps, type EndpointRegistry } from '../api';
import { principalOf, requireScope } from '../auth';
import { HttpError } from '../errors';

/**
 * Bulk import over HTTP (scopes `create:imports`, `read:imports`):
 * POST /api/v1/imports takes the file as the raw body (text/csv,
 * application/x-ndjson, optionally Content-Encoding: gzip) or as the multipart
 * field `file`; the job runs in the background and is followed with
 * GET /api/v1/imports/{id}, its errors and its failed-rows file.
 */
const ImportQuery = z.object({
  format: z.enum(IMPORT_FORMATS).optional(),
  mode: z.enum(IMPORT_MODES).default('merge'),
  dry_run: queryBool.default(false),
  /** The migration the file belongs to (the dry run's duplicate report compares its files). */
  migration: z.string().min(1).max(200).optional(),
  /** `--map` as a JSON string (or a multipart field `map` before `file`). */
  map: z
    .string()
    .max(64 * 1024)
    .optional(),
  // Firebase's hash parameters, by their console names, or the whole hash_config block.
  hash_config: z.string().max(4096).optional(),
  base64_signer_key: z.string().max(1024).optional(),
  base64_salt_separator: z.string().max(1024).optional(),
  rounds: z.string().max(10).optional(),
  mem_cost: z.string().max(10).optional(),
});
type ImportQueryData = z.infer<typeof ImportQuery>;

/** Fields that may also come as multipart fields (before the `file` field). */
const OPTION_FIELDS = ['map', 'migration', 'hash_config', 'base64_signer_key', 'base64_salt_separator', 'rounds', 'mem_cost'] as const;

interface ReadOptions {
  readonly columnMap?: ColumnMap;
  readonly firebaseHashConfig?: FirebaseHashConfig;
  readonly migration?: string;
}

/** The map and Firebase hash parameters from the query (or multipart fields); a bad one is a 400 before anything is read. */
function readOptions(q: Partial<Record<(typeof OPTION_FIELDS)[number], string>>): ReadOptions {
  let columnMap: ColumnMap | undefined;
  if (q.map !== undefined) {
    const m = parseColumnMap(q.map);
    if (!m.ok) throw new HttpError('invalid', 'INVALID_REQUEST', `map: ${m.reason}`);
    columnMap = m.map;
  }
  let firebaseHashConfig: FirebaseHashConfig | undefined;
  const fields = { base64_signer_key: q.base64_signer_key, base64_salt_separator: q.base64_salt_separator, rounds: q.rounds, mem_cost: q.mem_cost };
  const given = q.hash_config ?? (Object.values(fields).some((v) => v !== undefined) ? JSON.stringify(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined))) : undefined);
  if (given !== undefined) {
    const c = parseFirebaseHashConfig(given);
    // The reason names the missing or bad parameter, never its value.
    if (!c.ok) throw new HttpError('invalid', 'INVALID_REQUEST', `Firebase hash parameters: ${c.reason}`);
    firebaseHashConfig = c.config;
  }
  if (q.migration !== undefined && (q.migration.trim() === '' || q.migration.length > 200)) throw new HttpError('invalid', 'INVALID_REQUEST', 'migration must be 1-200 characters');
  return { ...(columnMap ? { columnMap } : {}), ...(firebaseHashConfig ? { firebaseHashConfig } : {}), ...(q.migration ? { migration: q.migration.trim() } : {}) };
}
const IdParams = z.object({ import_id: z.string().regex(/^imp_[0-9a-f]{1,64}$/, 'not an import id') });

interface Spooled {
  readonly validation: FileValidation;
  readonly fileName?: string;
  readonly options: ReadOptions;
}

/**
 * Streams the body (decompressed when gzip) to the spool file while validating
 * the whole file in the same pass (checksum, size cap, UTF-8, format, header), so
 * a rejected file is refused right away and records nothing.
 */
async function spool(req: Request, target: string, options: { format?: ImportFormat; maxFileBytes?: number; query: ImportQueryData }): Promise<Spooled> {
  const encoding = (req.header('content-encoding') ?? 'identity').toLowerCase();
  if (!['identity', 'gzip', 'x-gzip'].includes(encoding)) throw new HttpError('unsupported_media_type', 'UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding} is not supported (use gzip or none)`);
  const check = async (input: Readable, read: ReadOptions): Promise<FileValidation> => {
    // The size cap applies to the decompressed bytes: a gzip bomb stops at the limit.
    const source = encoding === 'identity' ? input : input.pipe(zlib.createGunzip());
    const sink = fs.createWriteStream(target, { mode: 0o600 });
    const validation = await validateImport(source, {
      format: options.format,
      limits: { maxFileBytes: options.maxFileBytes },
      sink,
      columnMap: read.columnMap,
      firebaseHashConfig: read.firebaseHashConfig,
    });
    if (!sink.closed) await once(sink, 'close');
    return validation;
  };
  if (req.is('multipart/form-data')) {
    return new Promise((resolve, reject) => {
      let found: Promise<Spooled> | undefined;
      // Option fields must come before the file: the file is validated as it streams.
      const fields: Partial<Record<(typeof OPTION_FIELDS)[number], string>> = {};
      const bb = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 64 * 1024 } });
      bb.on('field', (name, value) => {
        if ((OPTION_FIELDS as readonly string[]).includes(name) && !found) fields[name as (typeof OPTION_FIELDS)[number]] = value;
      });
      bb.on('file', (name, file, info) => {
        if (name !== 'file' || found) return void file.resume();
        found = (async () => {
          const read = readOptions({ ...pickOptions(options.query), ...fields });
          const validation = await check(file, read);
          file.resume(); // whatever a rejected file left unread
          return { validation, fileName: info.filename?.slice(0, 255), options: read };
        })();
        found.catch(() => file.resume());
      });
      bb.on('error', reject);
      bb.on('close', () => {
        if (!found) reject(new HttpError('invalid', 'INVALID_REQUEST', 'multipart/form-data body has no "file" field'));
        else found.then(resolve, reject);
      });
      req.pipe(bb);
    });
  }
  const read = readOptions(pickOptions(options.query));
  return { validation: await check(req, read), options: read };
}

function pickOptions(q: ImportQueryData): Partial<Record<(typeof OPTION_FIELDS)[number], string>> {
  const out: Partial<Record<(typeof OPTION_FIELDS)[number], string>> = {};
  for (const k of OPTION_FIELDS) if (q[k] !== undefined) out[k] = q[k];
  return out;
}

export function importRoutes(deps: ApiDeps & { jobs: ImportJobs; maxFileBytes?: number }, registry?: EndpointRegistry) {
  return (router: Router) => {
    router.post('/api/v1/imports', requireScope('create:imports'), async (req: Request, res: Response) => {
      const principal = principalOf(res);
      const query = ImportQuery.parse(req.query ?? {});
      const id = newImportId();
      const tmp = `${deps.jobs.spoolPath(id)}.upload-${randomBytes(4).toString('hex')}`;
      let spooled: Spooled;
      try {
        spooled = await spool(req, tmp, { format: query.format, maxFileBytes: deps.maxFileBytes, query });
      } catch (err) {
        fs.rmSync(tmp, { force: true });
        const code = (err as { code?: string }).code;
        if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') throw new HttpError('invalid', 'INVALID_ENCODING', 'The body is not valid gzip');
        throw err;
      }
      const { validation } = spooled;
      if (!validation.ok) {
        // A file error: nothing is recorded, nothing applied. Drop whatever the client is still sending.
        fs.rmSync(tmp, { force: true });
        req.resume();
        res.setHeader('Connection', 'close');
        const status = validation.errors.some((e) => e.code === 'FILE_TOO_LARGE') ? 413 : 400;
        res.status(status).json({ errors: validation.errors.map((e) => ({ code: e.code, message: e.message })) });
        return;
      }
      const ctx = contextFrom(req, res, principal, deps.trustedLocationHeader);
      const { position } = await deps.jobs.submit(tmp, {
        importId: id,
        format: validation.format ?? query.format,
        mode: query.mode,
        dryRun: query.dry_run,
        fileName: spooled.fileName,
        totalBytes: validation.bytesRead,
        ...spooled.options,
        // An operator's import is audited as theirs (source admin); an API client's keeps actor and source `import`.
        requestedBy: {
          actorId: principal.clientId,
          ip: ctx.ip,
          userAgent: ctx.userAgent,
          correlationId: ctx.correlationId,
          ...(principal.operator ? { actor: ctx.actor, source: ctx.source } : {}),
        },
      });
      await settle(deps, position);
      res.status(202).json({ import: { id, status: 'queued' } });
    });

    mount(router, deps, registry, [
      endpoint({
        method: 'get',
        path: '/api/v1/imports',
        scope: 'read:imports',
        summary: 'List import jobs, newest first',
        query: z.object({ page_size: pageSize(100, 20), next_token: z.string().max(500).optional() }),
        handler: async ({ query }) => listImports(deps.knex, { pageSize: query.page_size, nextToken: query.next_token }),
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/imports/:import_id',
        scope: 'read:imports',
        summary: 'Get an import job',
        params: IdParams,
        handler: async ({ params }) => {
          const job = await getImport(deps.knex, params.import_id);
          if (!job) throw notFound('IMPORT_NOT_FOUND', 'Import');
          return { import: job };
        },
      }),
      endpoint({
        method: 'get',
        path: '/api/v1/imports/:import_id/errors',
        scope: 'read:imports',
        summary: 'Errors and warnings of an import, by line',
        params: IdParams,
        query: z.object({ severity: z.enum(['error', 'warning']).optional(), page_size: pageSize(1000, 100), next_token: z.string().max(500).optional() }),
        handler: async ({ params, query }) => {
          if (!(await getImport(deps.knex, params.import_id))) throw notFound('IMPORT_NOT_FOUND', 'Import');
          return listImportIssues(deps.knex, params.import_id, { severity: query.severity, pageSize: query.page_size, nextToken: query.next_token });
        },
      }),
      endpoint({
        method: 'delete',
        path: '/api/v1/imports/:import_id',
        scope: 'create:imports',
        summary: 'Delete an import report and its error log',
        params: IdParams,
        handler: async ({ params, ctx }) => {
          const stream = importStream(params.import_id);
          const events = await deps.store.readStream(stream);
          const last = events.at(-1);
          if (!last || last.type === 'ImportDeleted') throw notFound('IMPORT_NOT_FOUND', 'Import');
          if (!['ImportCompleted', 'ImportFailed'].includes(last.type)) throw new HttpError('conflict', 'IMPORT_RUNNING', 'The import is still running');
          const r = await deps.store.appendToStream(stream, toEventData(stream, last.revision + 1, [{ type: 'ImportDeleted', data: { importId: params.import_id } }], ctx), last.revision);
          deps.jobs.discard(params.import_id);
          await settle(deps, r.position);
          return success('Import deleted', 'IMPORT_DELETED');
        },
      }),
    ]);

    // The failed rows in the file's own format, with the error added, ready to fix and re-import.
    const failedRowsFile = (ext: 'csv' | 'ndjson') => async (req: Request, res: Response) => {
      const { import_id } = IdParams.parse(req.params);
      const job = await getImport(deps.knex, import_id);
      if (!job) throw notFound('IMPORT_NOT_FOUND', 'Import');
      // CSV sources (Kinde, Firebase CSV, Supabase CSV, Clerk, Cognito, mapped) have columns; JSON sources do not.
      const isCsv = job.format === 'csv' || job.columns.length > 0;
      if ((ext === 'csv') !== isCsv) throw new HttpError('invalid', 'WRONG_ERRORS_FORMAT', `This import was ${job.format ?? 'not parsed'}; ask for errors.${isCsv ? 'csv' : 'ndjson'}`);
      res.status(200).type(isCsv ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
      res.setHeader('Content-Disposition', `attachment; filename="${import_id}-errors.${ext}"`);
      if (isCsv) res.write(failedRowsCsvHeader(job.columns));
      for await (const row of failedRowsWithErrors<ImportIssueCode>(deps.knex, import_id)) {
        const raw = { line: row.line, text: row.text, ...(row.fields ? { fields: row.fields } : {}) };
        res.write(isCsv ? failedRowCsvLine(job.columns, raw, row.errors) : failedRowNdjsonLine(raw, row.errors));
      }
      res.end();
    };
    router.get('/api/v1/imports/:import_id/errors.csv', requireScope('read:imports'), failedRowsFile('csv'));
    router.get('/api/v1/imports/:import_id/errors.ndjson', requireScope('read:imports'), failedRowsFile('ndjson'));
  };
}
