import { formatTime } from '../ui';

// The audit log table, shared by the audit page and a user's audit trail.

export interface AuditItem {
  id: string;
  type: string;
  occurred_on: string;
  actor: { type: string; id: string | null };
  source: string;
  user_id: string | null;
  email: string | null;
  org_codes: string[];
  ip: string | null;
  details: Record<string, unknown>;
  description?: string;
}

export function AuditTable(props: { entries: AuditItem[]; label: string }) {
  return (
    <table aria-label={props.label} class="audit">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Type</th>
          <th scope="col">Actor</th>
          <th scope="col">Source</th>
          <th scope="col">Subject</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {props.entries.length === 0 ? (
          <tr>
            <td colSpan={6}>No entries.</td>
          </tr>
        ) : (
          props.entries.map((e) => (
            <tr key={e.id}>
              <td>
                <time dateTime={e.occurred_on}>{formatTime(e.occurred_on)}</time>
              </td>
              <td>
                <code>{e.type}</code>
              </td>
              <td>
                {e.actor.type}
                {e.actor.id ? ` ${e.actor.id}` : ''}
              </td>
              <td>{e.source}</td>
              <td>
                {e.email ?? e.user_id ?? ''}
                {e.org_codes.length ? ` · ${e.org_codes.join(', ')}` : ''}
                {e.ip ? ` · ${e.ip}` : ''}
              </td>
              <td>
                <Details details={e.details} />
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

/** An entry's details: short ones inline, long ones folded behind their first words. */
function Details(props: { details: Record<string, unknown> }) {
  const { correlation_id: _c, ...rest } = props.details;
  const text = JSON.stringify(rest);
  if (text.length <= 120) return <code class="details-json">{text}</code>;
  return (
    <details>
      <summary class="details-json">{text.slice(0, 80)}…</summary>
      <code class="details-json">{text}</code>
    </details>
  );
}
