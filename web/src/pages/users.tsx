import { useState } from 'preact/hooks';
import { get } from '../api';
import { Link } from '../router';
import { ErrorText, Field, formatTime, Loading, PageTitle, Pager, Select, useKeyset, useLoad } from '../ui';

/** Users: search by any fragment, filters, keyset pages. */
interface UserRow {
  id: string;
  email?: string;
  preferred_email?: string;
  username?: string;
  phone?: string;
  first_name?: string;
  last_name?: string;
  is_suspended?: boolean;
  last_signed_in?: string | null;
  created_on?: string | null;
}

const PAGE_SIZE = 25;
const YES_NO: readonly (readonly [string, string])[] = [
  ['', 'Any'],
  ['true', 'Yes'],
  ['false', 'No'],
];

export function UsersPage() {
  const [query, setQuery] = useState('');
  const [submitted, setSubmitted] = useState('');
  const [org, setOrg] = useState('');
  const [role, setRole] = useState('');
  const [suspended, setSuspended] = useState('');
  const [reset, setReset] = useState('');
  // A link such as /admin/users?import_id=imp_… (from an import's report) opens with that filter.
  const [importId, setImportId] = useState(() => new URLSearchParams(location.search).get('import_id') ?? '');
  const filters = { org_code: org, role_key: role, is_suspended: suspended, is_password_reset_requested: reset, import_id: importId };
  const keyset = useKeyset(JSON.stringify([submitted, filters]));
  const orgs = useLoad(() => get<{ organizations: { code: string; name: string }[] }>('/api/v1/organizations', { page_size: 500 }), []);
  const roles = useLoad(() => get<{ roles: { id: string; key: string; name: string }[] }>('/api/v1/roles', { page_size: 500 }), []);

  const list = useLoad(async (): Promise<{ users: UserRow[]; next: string | null }> => {
    if (submitted) {
      // Search pages by id (starting_after), as Kinde's search endpoint does.
      const r = await get<{ results: UserRow[] }>('/api/v1/search/users', { query: submitted, page_size: PAGE_SIZE, starting_after: keyset.token, ...filters });
      const last = r.results.at(-1);
      return { users: r.results, next: r.results.length === PAGE_SIZE && last ? last.id : null };
    }
    const r = await get<{ users: UserRow[]; next_token?: string }>('/api/v1/users', { page_size: PAGE_SIZE, next_token: keyset.token, sort: 'email_asc', ...filters });
    return { users: r.users, next: r.next_token ?? null };
  }, [submitted, keyset.token, JSON.stringify(filters)]);

  return (
    <>
      <PageTitle>Users</PageTitle>
      <form
        class="filters"
        role="search"
        aria-label="Search and filter users"
        onSubmit={(e) => {
          e.preventDefault();
          setSubmitted(query.trim());
        }}
      >
        <Field label="Search" type="search" name="query" placeholder="Part of an email, name, username, phone or id" value={query} onInput={setQuery} />
        <Select label="Organization" value={org} onChange={setOrg} options={[['', 'Any'], ...(orgs.data?.organizations ?? []).map((o) => [o.code, o.name] as const)]} />
        <Select label="Role" value={role} onChange={setRole} options={[['', 'Any'], ...(roles.data?.roles ?? []).map((r) => [r.key, r.name] as const)]} />
        <Select label="Suspended" value={suspended} onChange={setSuspended} options={YES_NO} />
        <Select label="Password reset required" value={reset} onChange={setReset} options={YES_NO} />
        <Field label="Imported by job" placeholder="imp_…" value={importId} onInput={setImportId} />
        <div class="submit">
          <button type="submit">Search</button>
        </div>
      </form>
      <ErrorText error={list.error} />
      {list.loading && !list.data ? <Loading what="users" /> : null}
      {list.data ? (
        <>
          <table aria-label="Users">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Username</th>
                <th scope="col">Status</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">Id</th>
              </tr>
            </thead>
            <tbody>
              {list.data.users.length === 0 ? (
                <tr>
                  <td colSpan={6}>No users match.</td>
                </tr>
              ) : (
                list.data.users.map((u) => (
                  <tr key={u.id}>
                    <td>
                      <Link to={`/users/${encodeURIComponent(u.id)}`}>{u.email ?? u.preferred_email ?? u.phone ?? u.username ?? u.id}</Link>
                    </td>
                    <td>{[u.first_name, u.last_name].filter(Boolean).join(' ')}</td>
                    <td>{u.username ?? ''}</td>
                    <td>{u.is_suspended ? <span class="badge warn">Suspended</span> : 'Active'}</td>
                    <td>{formatTime(u.last_signed_in)}</td>
                    <td>
                      <code>{u.id}</code>
                    </td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
          <Pager keyset={keyset} nextToken={list.data.next} label="Users" />
        </>
      ) : null}
    </>
  );
}
