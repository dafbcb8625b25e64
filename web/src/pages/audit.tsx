import { useState } from 'preact/hooks';
import { ApiError, get, withQuery } from '../api';
import { ErrorText, Field, PageTitle, Pager, Section, useKeyset, useLoad } from '../ui';
import { AuditTable, type AuditItem } from '../components/audit-table';

/** The audit log: filters, newest first, export, and the hash chain's verification. */
const EMPTY = { user_id: '', org_code: '', type: '', actor_id: '', ip: '', from: '', to: '' };
type Filters = typeof EMPTY;

const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);

export function AuditPage() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const query = { ...filters, from: iso(filters.from), to: iso(filters.to) };
  const keyset = useKeyset(JSON.stringify(filters));
  const log = useLoad(
    () => get<{ audit_log: AuditItem[]; next_token: string | null }>('/api/v1/audit_log', { ...query, page_size: 50, next_token: keyset.token }),
    [JSON.stringify(filters), keyset.token],
  );
  const set = (k: keyof Filters) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
  return (
    <>
      <PageTitle>Audit log</PageTitle>
      <ChainStatus />
      <form
        class="filters"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
        <Field label="User id" value={draft.user_id} onInput={set('user_id')} />
        <Field label="Organization code" value={draft.org_code} onInput={set('org_code')} />
        <Field label="Type or prefix" value={draft.type} onInput={set('type')} placeholder="role. or user.suspended" />
        <Field label="Actor id" value={draft.actor_id} onInput={set('actor_id')} />
        <Field label="IP address" value={draft.ip} onInput={set('ip')} />
        <Field label="From" type="datetime-local" value={draft.from} onInput={set('from')} />
        <Field label="To" type="datetime-local" value={draft.to} onInput={set('to')} />
        <div class="submit">
          <button type="submit">Apply filters</button>
        </div>
      </form>
      <p class="exports">
        Export what matches:{' '}
        <a href={withQuery('/api/v1/audit_log/export', { ...query, format: 'csv' })} download>
          CSV
        </a>{' '}
        ·{' '}
        <a href={withQuery('/api/v1/audit_log/export', { ...query, format: 'ndjson' })} download>
          NDJSON
        </a>
      </p>
      <ErrorText error={log.error} />
      {log.data ? (
        <>
          <AuditTable entries={log.data.audit_log} label="Audit log entries, newest first" />
          <Pager keyset={keyset} nextToken={log.data.next_token} label="Audit log" />
        </>
      ) : null}
    </>
  );
}

type Verification = { ok: true; entries: number } | { ok: false; first_bad_id: string; entries_checked: number; reason: string };

function ChainStatus() {
  const check = useLoad(async () => {
    try {
      return await get<Verification>('/api/v1/audit_log/verify');
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }, []);
  return (
    <Section title="Hash chain">
      <ErrorText error={check.error} />
      {check.loading ? <p role="status">Verifying the chain…</p> : null}
      {check.data === null ? (
        <p>
          This server does not verify the chain over HTTP; run <code>roster audit verify</code>.
        </p>
      ) : null}
      {check.data?.ok === true ? (
        <p class="ok" role="status" data-chain="ok">
          Chain verified: {check.data.entries.toLocaleString()} entries, none altered.
        </p>
      ) : null}
      {check.data?.ok === false ? (
        <p class="error" role="alert" data-chain="broken">
          Chain broken at entry <code>{check.data.first_bad_id}</code> after {check.data.entries_checked.toLocaleString()} entries: {check.data.reason}
        </p>
      ) : null}
    </Section>
  );
}
