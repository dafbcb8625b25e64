import { useState } from 'preact/hooks';
import { del, enc, get, patch, post } from '../api';
import { Link } from '../router';
import { ActionButton, ErrorText, Field, Form, PageTitle, Pager, Section, Select, useKeyset, useLoad } from '../ui';

/** Roles with their permissions and holders. */
interface Role {
  id: string;
  key: string;
  name: string;
  description?: string | null;
}

export function RolesPage() {
  const keyset = useKeyset('roles');
  const [version, setVersion] = useState(0);
  const roles = useLoad(() => get<{ roles: Role[]; next_token?: string }>('/api/v1/roles', { page_size: 50, next_token: keyset.token }), [keyset.token, version]);
  const [picked, setPicked] = useState<Role | null>(null);
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [description, setDescription] = useState('');
  return (
    <>
      <PageTitle>Roles</PageTitle>
      <ErrorText error={roles.error} />
      <table aria-label="Roles">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Description</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {(roles.data?.roles ?? []).map((r) => (
            <tr key={r.id}>
              <td>{r.name}</td>
              <td>
                <code>{r.key}</code>
              </td>
              <td>{r.description ?? ''}</td>
              <td>
                <button type="button" aria-label={`Show permissions and holders of ${r.name}`} aria-pressed={picked?.id === r.id} onClick={() => setPicked(r)}>
                  Permissions and holders
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager keyset={keyset} nextToken={roles.data?.next_token} label="Roles" />
      <Section title="Add a role">
        <Form
          label="Add role"
          submit="Add role"
          class="inline"
          onSubmit={async () => {
            await post('/api/v1/roles', { name, key, ...(description ? { description } : {}) });
            setName('');
            setKey('');
            setDescription('');
            setVersion((v) => v + 1);
          }}
        >
          <Field label="Role name" required value={name} onInput={setName} />
          <Field label="Role key" required value={key} onInput={setKey} />
          <Field label="Role description" value={description} onInput={setDescription} />
        </Form>
      </Section>
      {picked ? <RoleDetail key={picked.id} role={picked} /> : null}
    </>
  );
}

function RoleDetail(props: { role: Role }) {
  const r = props.role;
  const [tick, setTick] = useState(0);
  const perms = useLoad(() => get<{ permissions: { id: string; key: string; name: string }[] }>(`/api/v1/roles/${enc(r.id)}/permissions`), [r.id, tick]);
  const all = useLoad(() => get<{ permissions: { id: string; key: string; name: string }[] }>('/api/v1/permissions', { page_size: 500 }), []);
  const keyset = useKeyset(r.id);
  const holders = useLoad(
    () =>
      get<{ users: { id: string; email?: string; full_name: string; org_codes: string[] }[]; next_token: string | null }>(`/api/v1/roles/${enc(r.id)}/users`, {
        page_size: 50,
        next_token: keyset.token,
      }),
    [r.id, keyset.token],
  );
  const [add, setAdd] = useState('');
  const addable = (all.data?.permissions ?? []).filter((p) => !(perms.data?.permissions ?? []).some((x) => x.id === p.id));
  return (
    <>
      <Section title={`Permissions of ${r.name}`}>
        <ErrorText error={perms.error} />
        <ul class="chips" aria-label={`Permissions of ${r.name}`}>
          {(perms.data?.permissions ?? []).map((p) => (
            <li key={p.id}>
              {p.name} <code>{p.key}</code>{' '}
              <ActionButton
                label={`Remove ${p.name} from ${r.name}`}
                onClick={async () => {
                  await del(`/api/v1/roles/${enc(r.id)}/permissions/${enc(p.id)}`);
                  setTick((t) => t + 1);
                }}
              >
                Remove
              </ActionButton>
            </li>
          ))}
        </ul>
        <Form
          label={`Add a permission to ${r.name}`}
          submit="Add permission"
          class="inline"
          onSubmit={async () => {
            const id = add || addable[0]?.id;
            if (!id) throw new Error('No permission left to add');
            await patch(`/api/v1/roles/${enc(r.id)}/permissions`, { permissions: [{ id }] });
            setAdd('');
            setTick((t) => t + 1);
          }}
        >
          <Select label="Permission to add" value={add} onChange={setAdd} options={addable.map((p) => [p.id, `${p.name} (${p.key})`] as const)} />
        </Form>
      </Section>
      <Section title={`Holders of ${r.name}`}>
        <ErrorText error={holders.error} />
        <table aria-label={`Holders of ${r.name}`}>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">In organizations</th>
            </tr>
          </thead>
          <tbody>
            {(holders.data?.users ?? []).map((u) => (
              <tr key={u.id}>
                <td>
                  <Link to={`/users/${encodeURIComponent(u.id)}`}>{u.email ?? (u.full_name || u.id)}</Link>
                </td>
                <td>{u.org_codes.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager keyset={keyset} nextToken={holders.data?.next_token} label="Holders" />
      </Section>
    </>
  );
}
