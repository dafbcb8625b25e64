import { useState } from 'preact/hooks';
import { get, post } from '../api';
import { ErrorText, Field, Form, PageTitle, Pager, Section, useKeyset, useLoad } from '../ui';

/** Permissions: the list and a form to add one. */
export function PermissionsPage() {
  const keyset = useKeyset('permissions');
  const [version, setVersion] = useState(0);
  const list = useLoad(
    () => get<{ permissions: { id: string; key: string; name: string; description?: string }[]; next_token?: string }>('/api/v1/permissions', { page_size: 50, next_token: keyset.token }),
    [keyset.token, version],
  );
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [description, setDescription] = useState('');
  return (
    <>
      <PageTitle>Permissions</PageTitle>
      <ErrorText error={list.error} />
      <table aria-label="Permissions">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.permissions ?? []).map((p) => (
            <tr key={p.id}>
              <td>{p.name}</td>
              <td>
                <code>{p.key}</code>
              </td>
              <td>{p.description ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager keyset={keyset} nextToken={list.data?.next_token} label="Permissions" />
      <Section title="Add a permission">
        <Form
          label="Add permission"
          submit="Add permission"
          class="inline"
          onSubmit={async () => {
            await post('/api/v1/permissions', { name, key, ...(description ? { description } : {}) });
            setName('');
            setKey('');
            setDescription('');
            setVersion((v) => v + 1);
          }}
        >
          <Field label="Permission name" required value={name} onInput={setName} />
          <Field label="Permission key" required value={key} onInput={setKey} placeholder="read:reports" />
          <Field label="Permission description" value={description} onInput={setDescription} />
        </Form>
      </Section>
    </>
  );
}
