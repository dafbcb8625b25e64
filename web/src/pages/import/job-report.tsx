import { useRef } from 'preact/hooks';
import { Link } from '../../router';
import { Loading } from '../../ui';
import { type Job, FORMAT_NAME, finished } from './job';
import { DuplicateReport } from './duplicate-report';
import { IssueTable } from './issue-table';

/** Progress while running; counts, file issues and the error table once done. */
export function JobReport(props: { job: Job | undefined; expectedRows?: number }) {
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
