import { get } from '../../api';
import { ErrorText, Pager, Section, useKeyset, useLoad } from '../../ui';
import { AuditTable, type AuditItem } from '../../components/audit-table';

// The audit trail section of a user's profile (user.tsx).

export function AuditTrailSection(props: { userId: string; version: number }) {
  const keyset = useKeyset(props.userId);
  const data = useLoad(
    () => get<{ audit_log: AuditItem[]; next_token: string | null }>('/api/v1/audit_log', { user_id: props.userId, page_size: 20, next_token: keyset.token }),
    [props.userId, props.version, keyset.token],
  );
  return (
    <Section title="Audit trail">
      <ErrorText error={data.error} />
      {data.data ? (
        <>
          <AuditTable entries={data.data.audit_log} label="User audit trail" />
          <Pager keyset={keyset} nextToken={data.data.next_token} label="Audit trail" />
        </>
      ) : null}
    </Section>
  );
}
