import { enc, get } from '../../api';
import { ErrorText, formatTime, Pager, Section, useKeyset, useLoad } from '../../ui';
import type { AuditItem } from '../../components/audit-table';

// The activity section of a user's profile (user.tsx): sign-in summary and activity log.

interface Activity {
  summary: {
    total_sign_ins: number;
    failed_sign_ins: number;
    last_signed_in: string | null;
    terms_accepted_on: string | null;
    privacy_accepted_on: string | null;
    sign_in_methods: { method: string | null; identity_type: string | null; identity: string | null; succeeded: number; failed: number; last_signed_in: string | null }[];
  };
  activity: AuditItem[];
  next_token: string | null;
}

export function ActivitySection(props: { userId: string; version: number }) {
  const keyset = useKeyset(props.userId);
  const data = useLoad(() => get<Activity>(`/api/v1/users/${enc(props.userId)}/activity`, { page_size: 20, next_token: keyset.token }), [props.userId, props.version, keyset.token]);
  const s = data.data?.summary;
  return (
    <Section title="Activity">
      <ErrorText error={data.error} />
      {s ? (
        <>
          <ul>
            <li>Terms of use: {s.terms_accepted_on ? `accepted on ${formatTime(s.terms_accepted_on)}` : 'not accepted'}</li>
            <li>Privacy policy: {s.privacy_accepted_on ? `accepted on ${formatTime(s.privacy_accepted_on)}` : 'not accepted'}</li>
            {s.sign_in_methods.map((m, i) => (
              <li key={i}>
                Sign-ins with {m.identity_type ?? m.method ?? 'unknown'}
                {m.identity ? ` (${m.identity})` : ''}: {m.succeeded} succeeded, {m.failed} failed
                {m.last_signed_in ? `, last ${formatTime(m.last_signed_in)}` : ''}
              </li>
            ))}
          </ul>
          <ol class="log" aria-label="Activity log">
            {data.data!.activity.map((e) => (
              <li key={e.id}>
                <time dateTime={e.occurred_on}>{formatTime(e.occurred_on)}</time> {e.description ?? e.type}
              </li>
            ))}
          </ol>
          <Pager keyset={keyset} nextToken={data.data!.next_token} label="Activity" />
        </>
      ) : null}
    </Section>
  );
}
