import { useState } from 'preact/hooks';
import { del, enc, get, patch, post } from '../../api';
import { ActionButton, ErrorText, Field, Form, formatTime, Section, Select, useLoad } from '../../ui';

// The identities section of a user's profile (user.tsx), loading its own data from the API.

interface Identity {
  id: string;
  type: string;
  name: string;
  is_primary: boolean;
  is_confirmed: boolean;
  total_logins: number;
  last_login_on?: string;
}

export function IdentitiesSection(props: { userId: string; version: number; onChange: () => void }) {
  const base = `/api/v1/users/${enc(props.userId)}/identities`;
  const list = useLoad(() => get<{ identities: Identity[] }>(base), [props.userId, props.version]);
  const [type, setType] = useState('email');
  const [value, setValue] = useState('');
  return (
    <Section title="Identities">
      <ErrorText error={list.error} />
      <table aria-label="Identities">
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Identity</th>
            <th scope="col">Sign-ins</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.identities ?? []).map((i) => (
            <tr key={i.id}>
              <td>{i.type}</td>
              <td>
                {i.name} {i.is_primary ? <span class="badge">Primary</span> : null} {i.is_confirmed ? null : <span class="badge">Unverified</span>}
              </td>
              <td>
                {i.total_logins}
                {i.last_login_on ? `, last ${formatTime(i.last_login_on)}` : ''}
              </td>
              <td class="actions">
                {i.is_primary ? null : (
                  <ActionButton
                    label={`Make primary: ${i.name}`}
                    onClick={async () => {
                      await patch(`/api/v1/identities/${enc(i.id)}`, { is_primary: true });
                      props.onChange();
                    }}
                  >
                    Make primary
                  </ActionButton>
                )}
                <ActionButton
                  label={`Delete identity ${i.name}`}
                  onClick={async () => {
                    await del(`/api/v1/identities/${enc(i.id)}`);
                    props.onChange();
                  }}
                >
                  Delete
                </ActionButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Form
        label="Add identity"
        submit="Add identity"
        class="inline"
        onSubmit={async () => {
          await post(base, { type, value });
          setValue('');
          props.onChange();
        }}
      >
        <Select
          label="Identity type"
          value={type}
          onChange={setType}
          options={[
            ['email', 'Email'],
            ['phone', 'Phone'],
            ['username', 'Username'],
          ]}
        />
        <Field label="New identity" required value={value} onInput={setValue} />
      </Form>
    </Section>
  );
}
