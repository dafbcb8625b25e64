import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { enc, get, post } from '../api';
import { Link } from '../router';
import { ErrorText, Field, formatTime, Loading, PageTitle, Pager, Section, Select, useAction, useId, useKeyset, useLoad } from '../ui';

/**
 * Import: choose or drop a file, dry run first (the plan), then the real run
 * with live progress, the error table, the rows to fix, and past jobs.
 */
interface Job {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  format: string | null;
  mode: string;
  dry_run: boolean;
  file_name: string | null;
  progress: { bytes_read: number; total_bytes: number | null; rows_read: number };
  counts: { rows: number; rows_failed: number; rows_with_warnings: number; users_created: number; users_updated: number; users_unchanged: number; users_skipped: number };
  file_warnings: { code?: string; message?: string }[];
  file_errors: { code?: string; message?: string }[];
  created_on: string;
  finished_on: string | null;
}

interface Issue {
  line: number;
  severity: 'error' | 'warning';
  code: string;
  field: string | null;
  message: string;
  user_key: string | null;
}

const FORMATS = [
  ['', 'Detect from the content'],
  ['csv', 'Kinde CSV'],
  ['kinde_ndjson', 'Kinde NDJSON'],
  ['auth0', 'Auth0 users'],
  ['auth0_passwords', 'Auth0 passwords only'],
  ['firebase', 'Firebase auth:export'],
  ['keycloak', 'Keycloak realm or users export'],
  ['supabase', 'Supabase auth.users'],
  ['clerk', 'Clerk users export'],
  ['cognito', 'Cognito users CSV'],
] as const;
const FORMAT_NAME: Record<string, string> = Object.fromEntries(FORMATS);
const MODES = [
  ['merge', 'Merge: add what is missing, never overwrite'],
  ['update', 'Update: the file overwrites changed fields'],
  ['create_only', 'Create only: skip existing users'],
] as const;

const finished = (j: Job | undefined) => j?.status === 'completed' || j?.status === 'failed';

/** Options sent as multipart fields; the API reads them only before `file`. */
interface SubmitOptions {
  readonly migration: string;
  /** Firebase's "Password hash parameters" (the console's hash_config block, or JSON). */
  readonly hashConfig: string;
}

async function submit(file: File, format: string, mode: string, dryRun: boolean, options: SubmitOptions): Promise<string> {
  const body = new FormData();
  if (options.migration.trim()) body.append('migration', options.migration.trim());
  if (format === 'firebase' && options.hashConfig.trim()) body.append('hash_config', options.hashConfig.trim());
  body.append('file', file, file.name);
  const r = await post<{ import: { id: string } }>('/api/v1/imports', body, { format: format || undefined, mode, dry_run: dryRun });
  return r.import.id;
}

/** Polls a job until it finishes (the API has no push channel; a short interval keeps the bar live). */
function useJob(id: string | null) {
  const [job, setJob] = useState<Job | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setJob(undefined);
    if (!id) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const r = await get<{ import: Job }>(`/api/v1/imports/${enc(id)}`);
        if (!live) return;
        setJob(r.import);
        if (!finished(r.import)) timer = setTimeout(poll, 300);
      } catch (err) {
        if (live) setError(err);
      }
    };
    void poll();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [id]);
  return { job, error };
}

export function ImportPage() {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState('');
  const [mode, setMode] = useState('merge');
  const [migration, setMigration] = useState('');
  const [hashConfig, setHashConfig] = useState('');
  const hashConfigId = useId('hashcfg');
  const [planId, setPlanId] = useState<string | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [jobsVersion, setJobsVersion] = useState(0);
  const plan = useJob(planId);
  const run = useJob(runId);
  const fileInput = useId('file');
  const fileErr = useId('fileerr');
  const dry = useAction(async () => {
    if (!file) throw new Error('Choose a file first');
    setRunId(null);
    setPlanId(await submit(file, format, mode, true, { migration, hashConfig }));
    setJobsVersion((v) => v + 1);
  });
  const go = useAction(async () => {
    if (!file) throw new Error('Choose a file first');
    setRunId(await submit(file, format, mode, false, { migration, hashConfig }));
    setJobsVersion((v) => v + 1);
  });
  useEffect(() => {
    if (finished(run.job)) setJobsVersion((v) => v + 1);
  }, [run.job?.status]);

  const choose = (f: File | null | undefined) => {
    setFile(f ?? null);
    setPlanId(null);
    setRunId(null);
    dry.setError(null);
  };

  return (
    <>
      <PageTitle>Import users</PageTitle>
      <Section title="1. Choose a file">
        <div
          class={`drop ${dragging ? 'over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            choose(e.dataTransfer?.files[0]);
          }}
        >
          <label for={fileInput}>Users file (Kinde CSV or NDJSON; Auth0, Firebase, Keycloak, Supabase, Clerk or Cognito export) — choose it, or drop it here</label>
          <input id={fileInput} type="file" name="file" accept=".csv,.ndjson,.json,.jsonl,text/csv,application/x-ndjson" onChange={(e) => choose((e.target as HTMLInputElement).files?.[0])} />
          {file ? (
            <p role="status">
              Chosen: <strong>{file.name}</strong> ({file.size.toLocaleString()} bytes)
            </p>
          ) : null}
        </div>
        <div class="row">
          <Select label="Format" value={format} onChange={setFormat} options={FORMATS} />
          <Select label="Mode for existing users" value={mode} onChange={setMode} options={MODES} />
          <Field
            label="Migration (optional)"
            value={migration}
            onInput={setMigration}
            maxLength={200}
            hint="Files imported under one name are one migration: the dry run reports an id another of its files already brought."
          />
        </div>
        {format === 'firebase' ? (
          <div class="field">
            <label for={hashConfigId}>Firebase password hash parameters</label>
            <textarea
              id={hashConfigId}
              rows={7}
              spellcheck={false}
              value={hashConfig}
              onInput={(e) => setHashConfig((e.target as HTMLTextAreaElement).value)}
              aria-describedby={`${hashConfigId}-hint`}
            />
            <small id={`${hashConfigId}-hint`} class="hint">
              Paste the hash_config block from the Firebase console (Authentication → Users → ⋮ → Password hash parameters), or the same as JSON. Without it the users are imported and must reset their
              passwords.
            </small>
          </div>
        ) : null}
        <div class="submit">
          <button type="button" disabled={!file || dry.busy} onClick={() => void dry.run()} aria-describedby={dry.error ? fileErr : undefined}>
            Dry run
          </button>
          <ErrorText error={dry.error ?? plan.error} id={fileErr} />
        </div>
      </Section>

      {planId ? (
        <Section title="2. The plan (dry run: nothing written)">
          <JobReport job={plan.job} />
          {finished(plan.job) ? (
            <div class="submit">
              <button type="button" disabled={go.busy || Boolean(runId)} onClick={() => void go.run()}>
                Run import
              </button>
              <ErrorText error={go.error} />
            </div>
          ) : null}
        </Section>
      ) : null}

      {runId ? (
        <Section title="3. Import" id="run">
          <ErrorText error={run.error} />
          <JobReport job={run.job} expectedRows={plan.job?.counts.rows} />
          {finished(run.job) && run.job!.counts.rows_failed > 0 ? <FixedFile onChoose={choose} /> : null}
        </Section>
      ) : null}

      <PastJobs version={jobsVersion} />
    </>
  );
}

function FixedFile(props: { onChoose: (f: File | null | undefined) => void }) {
  const id = useId('fixed');
  return (
    <div class="fixed">
      <label for={id}>Import the fixed file</label>
      <input id={id} type="file" accept=".csv,.ndjson,.json,.jsonl" onChange={(e) => props.onChoose((e.target as HTMLInputElement).files?.[0])} />
      <small class="hint">The file goes back to step 1: dry run, then run. Rows already imported are left as they are.</small>
    </div>
  );
}

/** Progress while running; counts, file issues and the error table once done. */
function JobReport(props: { job: Job | undefined; expectedRows?: number }) {
  const job = props.job;
  const started = useRef(Date.now());
  if (!job) return <Loading what="the job" />;
  const { progress, counts } = job;
  const elapsed = Math.max((Date.now() - started.current) / 1000, 0.001);
  // The dry run counted the rows; without one, the bytes read tell how far the file is.
  const fraction = props.expectedRows ? Math.min(counts.rows / props.expectedRows, 1) : progress.total_bytes ? Math.min(progress.bytes_read / progress.total_bytes, 1) : 0;
  const done = props.expectedRows ? counts.rows : progress.rows_read;
  const rate = done / elapsed;
  const left = fraction > 0 && fraction < 1 ? (elapsed / fraction) * (1 - fraction) : 0;
  const eta = fraction >= 1 ? 'every row read; finishing' : left ? `about ${Math.ceil(left)} s left` : 'estimating time left';
  return (
    <div class="report" data-status={job.status}>
      <p>
        Job <code>{job.id}</code> · {job.file_name ?? 'upload'} · format <strong>{FORMAT_NAME[job.format ?? ''] ?? job.format ?? 'not detected'}</strong> · mode {job.mode}
        {job.dry_run ? ' · dry run' : ''} · <span class={`badge ${job.status}`}>{job.status}</span>
      </p>
      {finished(job) ? null : (
        <div class="progress">
          <label for={`p-${job.id}`}>Progress</label>
          <progress id={`p-${job.id}`} max={1} value={fraction} />
          <p role="status" aria-live="polite">
            {done.toLocaleString()}
            {props.expectedRows ? ` of ${props.expectedRows.toLocaleString()}` : ''} rows · {Math.round(rate).toLocaleString()} rows/s · {eta}
          </p>
        </div>
      )}
      {job.file_errors.map((e, i) => (
        <p key={i} class="error" role="alert">
          {e.message} ({e.code})
        </p>
      ))}
      {finished(job) ? (
        <>
          <table aria-label={job.dry_run ? 'Planned counts' : 'Final counts'} class="counts">
            <tbody>
              <tr>
                <th scope="row">Rows</th>
                <td data-count="rows">{counts.rows}</td>
              </tr>
              <tr>
                <th scope="row">{job.dry_run ? 'Users to create' : 'Users created'}</th>
                <td data-count="created">{counts.users_created}</td>
              </tr>
              <tr>
                <th scope="row">{job.dry_run ? 'Users to update' : 'Users updated'}</th>
                <td data-count="updated">{counts.users_updated}</td>
              </tr>
              <tr>
                <th scope="row">Unchanged</th>
                <td data-count="unchanged">{counts.users_unchanged}</td>
              </tr>
              <tr>
                <th scope="row">Skipped</th>
                <td data-count="skipped">{counts.users_skipped}</td>
              </tr>
              <tr>
                <th scope="row">Rows failed</th>
                <td data-count="failed">{counts.rows_failed}</td>
              </tr>
              <tr>
                <th scope="row">Rows with warnings</th>
                <td data-count="warnings">{counts.rows_with_warnings}</td>
              </tr>
            </tbody>
          </table>
          {job.file_warnings.map((w, i) => (
            <p key={i} class="muted">
              File warning: {w.message} ({w.code})
            </p>
          ))}
          {job.dry_run || counts.users_created + counts.users_updated === 0 ? null : (
            <p>
              <Link to={`/users?import_id=${encodeURIComponent(job.id)}`}>Users this import created or updated</Link>
            </p>
          )}
          {/* A failed row may carry the warning too (an email an existing user holds is also CONFLICT_EXISTING_USER). */}
          {job.dry_run && (counts.rows_with_warnings > 0 || counts.rows_failed > 0) ? <DuplicateReport job={job} /> : null}
          {counts.rows_failed > 0 || counts.rows_with_warnings > 0 ? <IssueTable job={job} /> : <p class="ok">Clean: no row failed, no warnings.</p>}
        </>
      ) : null}
    </div>
  );
}

/** Pages of warnings read for the duplicate report (1,000 each): enough for any file a person reviews row by row. */
const DUPLICATE_PAGES = 20;

/**
 * The dry run's duplicate report: every POSSIBLE_DUPLICATE warning, the row it is
 * on (line, user) beside what it probably duplicates (the other line and user, or
 * the existing user, as the warning names them), before anything is written.
 */
function DuplicateReport(props: { job: Job }) {
  const { job } = props;
  const report = useLoad(async () => {
    const found: Issue[] = [];
    let token: string | undefined;
    for (let page = 0; page < DUPLICATE_PAGES; page++) {
      const r = await get<{ errors: Issue[]; next_token: string | null }>(`/api/v1/imports/${enc(job.id)}/errors`, { severity: 'warning', page_size: 1000, next_token: token });
      found.push(...r.errors.filter((e) => e.code === 'POSSIBLE_DUPLICATE'));
      if (!r.next_token) return { duplicates: found, complete: true };
      token = r.next_token;
    }
    return { duplicates: found, complete: false };
  }, [job.id]);
  if (report.error) return <ErrorText error={report.error} />;
  if (!report.data) return <Loading what="the duplicate report" />;
  const { duplicates, complete } = report.data;
  if (duplicates.length === 0) return <p class="ok">No likely duplicates found.</p>;
  return (
    <div class="duplicates">
      <h3>
        Possible duplicates: {duplicates.length}
        {complete ? '' : '+'}
      </h3>
      <p class="hint">
        Rows that are probably the same person as another row or an existing user (emails equal after case folding and Unicode NFKC, look-alike usernames, an email an existing user holds, an id
        another file of the migration brought). Nothing is merged for you: fix the file if they are, or run the import as it is.
      </p>
      <table aria-label="Possible duplicates">
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">User</th>
            <th scope="col">Field</th>
            <th scope="col">Probably the same as</th>
          </tr>
        </thead>
        <tbody>
          {duplicates.map((d, i) => (
            <tr key={`${d.line}-${d.field ?? ''}-${i}`} data-line={d.line}>
              <td>{d.line}</td>
              <td>
                <code>{d.user_key ?? ''}</code>
              </td>
              <td>{d.field ?? ''}</td>
              <td>{d.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {complete ? null : <p class="muted">Only the first {(DUPLICATE_PAGES * 1000).toLocaleString()} warnings were read; the table below pages through every one.</p>}
    </div>
  );
}

function IssueTable(props: { job: Job }) {
  const { job } = props;
  const [severity, setSeverity] = useState('');
  const [code, setCode] = useState('');
  const keyset = useKeyset(`${job.id}:${severity}`);
  const issues = useLoad(
    () => get<{ errors: Issue[]; next_token: string | null }>(`/api/v1/imports/${enc(job.id)}/errors`, { severity: severity || undefined, page_size: 1000, next_token: keyset.token }),
    [job.id, severity, keyset.token],
  );
  const codes = useMemo(() => [...new Set((issues.data?.errors ?? []).map((e) => e.code))].sort(), [issues.data]);
  const shown = (issues.data?.errors ?? []).filter((e) => !code || e.code === code);
  const ext = job.format === 'csv' ? 'csv' : 'ndjson';
  return (
    <div class="issues">
      {job.counts.rows_failed > 0 && !job.dry_run ? (
        <p>
          <a class="button" href={`/api/v1/imports/${enc(job.id)}/errors.${ext}`} download={`${job.id}-errors.${ext}`}>
            Download the rows to fix (errors.{ext})
          </a>
        </p>
      ) : null}
      <div class="row filters">
        <Select
          label="Severity"
          value={severity}
          onChange={setSeverity}
          options={[
            ['', 'Errors and warnings'],
            ['error', 'Errors'],
            ['warning', 'Warnings'],
          ]}
        />
        <Select label="Code" value={code} onChange={setCode} options={[['', 'Every code'], ...codes.map((c) => [c, c] as const)]} />
      </div>
      <ErrorText error={issues.error} />
      <table aria-label="Import errors and warnings">
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Severity</th>
            <th scope="col">Code</th>
            <th scope="col">Field</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e, i) => (
            <tr key={`${e.line}-${e.code}-${i}`} data-code={e.code}>
              <td>{e.line}</td>
              <td>{e.severity}</td>
              <td>
                <code>{e.code}</code>
              </td>
              <td>{e.field ?? ''}</td>
              <td>{e.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager keyset={keyset} nextToken={issues.data?.next_token} label="Import errors" />
    </div>
  );
}

function PastJobs(props: { version: number }) {
  const keyset = useKeyset('jobs');
  const [open, setOpen] = useState<string | null>(null);
  const jobs = useLoad(() => get<{ imports: Job[]; next_token: string | null }>('/api/v1/imports', { page_size: 20, next_token: keyset.token }), [keyset.token, props.version]);
  const opened = useJob(open);
  return (
    <Section title="Past imports">
      <ErrorText error={jobs.error} />
      <table aria-label="Past imports">
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">File</th>
            <th scope="col">Format</th>
            <th scope="col">Status</th>
            <th scope="col">Rows</th>
            <th scope="col">Failed</th>
            <th scope="col">Report</th>
          </tr>
        </thead>
        <tbody>
          {(jobs.data?.imports ?? []).map((j) => (
            <tr key={j.id}>
              <td>{formatTime(j.created_on)}</td>
              <td>{j.file_name ?? '—'}</td>
              <td>{FORMAT_NAME[j.format ?? ''] ?? j.format ?? '—'}</td>
              <td>
                {j.status}
                {j.dry_run ? ' (dry run)' : ''}
              </td>
              <td>{j.counts.rows}</td>
              <td>{j.counts.rows_failed}</td>
              <td>
                <button type="button" aria-label={`${open === j.id ? 'Hide' : 'Show'} report of ${j.id}`} onClick={() => setOpen(open === j.id ? null : j.id)}>
                  {open === j.id ? 'Hide' : 'Show'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager keyset={keyset} nextToken={jobs.data?.next_token} label="Past imports" />
      {open ? <JobReport job={opened.job} /> : null}
    </Section>
  );
}
