import { useState } from 'preact/hooks';
import { del, enc, get, post } from '../api';
import { ActionButton, ErrorText, PageTitle, Pager, Select, useKeyset, useLoad } from '../ui';

/** Subscribers: convert one to a user (in an organization), or delete it. */
export function SubscribersPage() {
  const keyset = useKeyset('subscribers');
  const [version, setVersion] = useState(0);
  const list = useLoad(
    () => get<{ subscribers: { id: string; email: string; full_name: string }[]; next_token?: string }>('/api/v1/subscribers', { page_size: 50, next_token: keyset.token }),
    [keyset.token, version],
  );
  const orgs = useLoad(() => get<{ organizations: { code: string; name: string; is_default: boolean }[] }>('/api/v1/organizations', { page_size: 500 }), []);
  const [org, setOrg] = useState('');
  const target = org || orgs.data?.organizations.find((o) => o.is_default)?.code || orgs.data?.organizations[0]?.code || '';
  return (
    <>
      <PageTitle>Subscribers</PageTitle>
      <Select label="Organization for converted users" value={target} onChange={setOrg} options={(orgs.data?.organizations ?? []).map((o) => [o.code, `${o.name} (${o.code})`] as const)} />
      <ErrorText error={list.error} />
      <table aria-label="Subscribers">
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Name</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.subscribers ?? []).length === 0 ? (
            <tr>
              <td colSpan={3}>No subscribers.</td>
            </tr>
          ) : null}
          {(list.data?.subscribers ?? []).map((s) => (
            <tr key={s.id}>
              <td>{s.email}</td>
              <td>{s.full_name}</td>
              <td class="actions">
                <ActionButton
                  label={`Convert to user: ${s.email}`}
                  onClick={async () => {
                    await post(`/api/v1/subscribers/${enc(s.id)}/convert`, { org_code: target });
                    setVersion((v) => v + 1);
                  }}
                >
                  Convert to user
                </ActionButton>
                <ActionButton
                  label={`Delete subscriber ${s.email}`}
                  onClick={async () => {
                    await del(`/api/v1/subscribers/${enc(s.id)}`);
                    setVersion((v) => v + 1);
                  }}
                >
                  Delete
                </ActionButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager keyset={keyset} nextToken={list.data?.next_token} label="Subscribers" />
    </>
  );
}
