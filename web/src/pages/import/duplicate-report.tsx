import { enc, get } from '../../api';
import { ErrorText, Loading, useLoad } from '../../ui';
import type { Job, Issue } from './job';

/** Pages of warnings read for the duplicate report (1,000 each): enough for any file a person reviews row by row. */
const DUPLICATE_PAGES = 20;

/**
 * The dry run's duplicate report: every POSSIBLE_DUPLICATE warning, the row it is
 * on (line, user) beside what it probably duplicates (the other line and user, or
 * the existing user, as the warning names them), before anything is written.
 */
export function DuplicateReport(props: { job: Job }) {
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
