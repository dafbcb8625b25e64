import { useState } from 'preact/hooks';
import { enc, get, post } from '../api';
import { Link } from '../router';
import { ErrorText, Field, Form, formatTime, PageTitle, Pager, Section, useKeyset, useLoad } from '../ui';

/** Organizations and, for the one picked, its members with their roles. */
interface Org {
  code: string;
  name: string;
  external_id: string | null;
  is_default: boolean;
  created_on?: string;
}

interface Member {
  id: string;
  email?: string;
  full_name: string;
  roles: string[];
  joined_on: string;
  is_suspended: boolean;
}

export function OrganizationsPage() {
  const keyset = useKeyset('orgs');
  const [version, setVersion] = useState(0);
  const orgs = useLoad(() => get<{ organizations: Org[]; next_token?: string }>('/api/v1/organizations', { page_size: 50, next_token: keyset.token }), [keyset.token, version]);
  const [picked, setPicked] = useState<Org | null>(null);
  const [name, setName] = useState('');
  const [externalId, setExternalId] = useState('');
  return (
    <>
      <PageTitle>Organizations</PageTitle>
      <ErrorText error={orgs.error} />
      <table aria-label="Organizations">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Code</th>
            <th scope="col">External id</th>
            <th scope="col">Members</th>
          </tr>
        </thead>
        <tbody>
          {(orgs.data?.organizations ?? []).map((o) => (
            <tr key={o.code}>
              <td>
                {o.name} {o.is_default ? <span class="badge">Default</span> : null}
              </td>
              <td>
                <code>{o.code}</code>
              </td>
              <td>{o.external_id ?? '—'}</td>
              <td>
                <button type="button" aria-label={`Show members of ${o.name}`} aria-pressed={picked?.code === o.code} onClick={() => setPicked(o)}>
                  Members
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager keyset={keyset} nextToken={orgs.data?.next_token} label="Organizations" />
      <Section title="Add an organization">
        <Form
          label="Add organization"
          submit="Add organization"
          class="inline"
          onSubmit={async () => {
            await post('/api/v1/organization', { name, ...(externalId ? { external_id: externalId } : {}) });
            setName('');
            setExternalId('');
            setVersion((v) => v + 1);
          }}
        >
          <Field label="Organization name" required value={name} onInput={setName} />
          <Field label="External id" value={externalId} onInput={setExternalId} hint="Matched by imports' external_organization_id." />
        </Form>
      </Section>
      {picked ? <Members key={picked.code} org={picked} /> : null}
    </>
  );
}

function Members(props: { org: Org }) {
  const keyset = useKeyset(props.org.code);
  const members = useLoad(
    () => get<{ organization_users: Member[]; next_token?: string }>(`/api/v1/organizations/${enc(props.org.code)}/users`, { page_size: 50, next_token: keyset.token }),
    [props.org.code, keyset.token],
  );
  return (
    <Section title={`Members of ${props.org.name}`}>
      <ErrorText error={members.error} />
      <table aria-label={`Members of ${props.org.name}`}>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Roles</th>
            <th scope="col">Joined</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {(members.data?.organization_users ?? []).map((m) => (
            <tr key={m.id}>
              <td>
                <Link to={`/users/${encodeURIComponent(m.id)}`}>{m.email ?? m.full_name ?? m.id}</Link>
              </td>
              <td>{m.roles.join(', ') || '—'}</td>
              <td>{formatTime(m.joined_on)}</td>
              <td>{m.is_suspended ? 'Suspended' : 'Active'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager keyset={keyset} nextToken={members.data?.next_token} label="Members" />
    </Section>
  );
}
