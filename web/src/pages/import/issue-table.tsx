import { useMemo, useState } from 'preact/hooks';
import { enc, get } from '../../api';
import { ErrorText, Pager, Select, useKeyset, useLoad } from '../../ui';
import type { Job, Issue } from './job';

// The import's error table: issues by severity and code, paged.

export function IssueTable(props: { job: Job }) {
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
