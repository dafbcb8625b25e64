import { useEffect, useState } from 'preact/hooks';
import { post } from '../api';
import { ErrorText, Field, PageTitle, Section, Select, useAction, useId } from '../ui';
import { FORMATS, finished, useJob } from './import/job';
import { JobReport } from './import/job-report';
import { PastJobs } from './import/past-jobs';

const MODES = [
  ['merge', 'Merge: add what is missing, never overwrite'],
  ['update', 'Update: the file overwrites changed fields'],
  ['create_only', 'Create only: skip existing users'],
] as const;

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

/**
 * Import: choose or drop a file, dry run first (the plan), then the real run
 * with live progress, the error table, the rows to fix, and past jobs.
 */
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
