import { useState } from 'preact/hooks';
import { get } from '../../api';
import { ErrorText, formatTime, Pager, Section, useKeyset, useLoad } from '../../ui';
import { type Job, FORMAT_NAME, useJob } from './job';
import { JobReport } from './job-report';

// Past imports, newest first, each with its report on demand.

export function PastJobs(props: { version: number }) {
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
