import { useState } from 'preact/hooks';
import { del, enc, get, post } from '../../api';
import { ActionButton, ErrorText, Form, Loading, Section, Select, useLoad } from '../../ui';

// The organizations section of a user's profile (user.tsx): memberships, with roles and permissions per organization.

interface Named {
  id: string;
  key: string;
  name: string;
}

export function OrganizationsSection(props: { userId: string; orgCodes: string[]; onChange: () => void }) {
  const orgs = useLoad(() => get<{ organizations: { code: string; name: string }[] }>('/api/v1/organizations', { page_size: 500 }), []);
  const roles = useLoad(() => get<{ roles: Named[] }>('/api/v1/roles', { page_size: 500 }), []);
  const permissions = useLoad(() => get<{ permissions: Named[] }>('/api/v1/permissions', { page_size: 500 }), []);
  const [org, setOrg] = useState('');
  const others = (orgs.data?.organizations ?? []).filter((o) => !props.orgCodes.includes(o.code));
  const nameOf = (code: string) => orgs.data?.organizations.find((o) => o.code === code)?.name ?? code;
  return (
    <Section title="Organizations, roles and permissions">
      {props.orgCodes.length === 0 ? <p>Not a member of any organization.</p> : null}
      {props.orgCodes.map((code) => (
        <Membership
          key={code}
          userId={props.userId}
          orgCode={code}
          orgName={nameOf(code)}
          roles={roles.data?.roles ?? []}
          permissions={permissions.data?.permissions ?? []}
          onChange={props.onChange}
        />
      ))}
      <Form
        label="Add to organization"
        submit="Add to organization"
        class="inline"
        onSubmit={async () => {
          const code = org || others[0]?.code;
          if (!code) throw new Error('Pick an organization');
          await post(`/api/v1/organizations/${enc(code)}/users`, { users: [{ id: props.userId }] });
          props.onChange();
        }}
      >
        <Select label="Organization to add" value={org} onChange={setOrg} options={others.map((o) => [o.code, `${o.name} (${o.code})`] as const)} />
      </Form>
    </Section>
  );
}

function Membership(props: { userId: string; orgCode: string; orgName: string; roles: Named[]; permissions: Named[]; onChange: () => void }) {
  const base = `/api/v1/organizations/${enc(props.orgCode)}/users/${enc(props.userId)}`;
  const [tick, setTick] = useState(0);
  const access = useLoad(async () => {
    const [r, p] = await Promise.all([
      get<{ roles: Named[] }>(`${base}/roles`),
      get<{ permissions: (Named & { roles?: { id: string; key: string }[] })[] }>(`${base}/permissions`, { expand: 'roles' }),
    ]);
    return { roles: r.roles, permissions: p.permissions };
  }, [base, tick]);
  const changed = () => {
    setTick((t) => t + 1);
    props.onChange();
  };
  const [role, setRole] = useState('');
  const [permission, setPermission] = useState('');
  const held = access.data?.roles ?? [];
  const grantable = props.roles.filter((r) => !held.some((h) => h.id === r.id));
  const direct = (access.data?.permissions ?? []).filter((p) => !p.roles || p.roles.length === 0);
  const viaRoles = (access.data?.permissions ?? []).filter((p) => p.roles && p.roles.length > 0);
  const grantablePermissions = props.permissions.filter((p) => !direct.some((d) => d.id === p.id));
  return (
    <div class="membership">
      <h3>
        {props.orgName} <code>{props.orgCode}</code>
      </h3>
      <ErrorText error={access.error} />
      {access.loading && !access.data ? <Loading what="roles" /> : null}
      <ul class="chips" aria-label={`Roles in ${props.orgName}`}>
        {held.map((r) => (
          <li key={r.id}>
            Role {r.name} <code>{r.key}</code>{' '}
            <ActionButton
              label={`Remove role ${r.name} in ${props.orgName}`}
              onClick={async () => {
                await del(`${base}/roles/${enc(r.id)}`);
                changed();
              }}
            >
              Remove
            </ActionButton>
          </li>
        ))}
        {direct.map((p) => (
          <li key={p.id}>
            Permission {p.name} <code>{p.key}</code>{' '}
            <ActionButton
              label={`Remove permission ${p.name} in ${props.orgName}`}
              onClick={async () => {
                await del(`${base}/permissions/${enc(p.id)}`);
                changed();
              }}
            >
              Remove
            </ActionButton>
          </li>
        ))}
      </ul>
      {viaRoles.length ? <p class="muted">Through roles: {viaRoles.map((p) => `${p.key} (${(p.roles ?? []).map((r) => r.key).join(', ')})`).join('; ')}</p> : null}
      <div class="row">
        <Form
          label={`Grant a role in ${props.orgName}`}
          submit="Grant role"
          class="inline"
          onSubmit={async () => {
            const id = role || grantable[0]?.id;
            if (!id) throw new Error('No role left to grant');
            await post(`${base}/roles`, { role_id: id });
            setRole('');
            changed();
          }}
        >
          <Select label={`Role to grant in ${props.orgName}`} value={role} onChange={setRole} options={grantable.map((r) => [r.id, `${r.name} (${r.key})`] as const)} />
        </Form>
        <Form
          label={`Grant a permission in ${props.orgName}`}
          submit="Grant permission"
          class="inline"
          onSubmit={async () => {
            const id = permission || grantablePermissions[0]?.id;
            if (!id) throw new Error('No permission left to grant');
            await post(`${base}/permissions`, { permission_id: id });
            setPermission('');
            changed();
          }}
        >
          <Select label={`Permission to grant in ${props.orgName}`} value={permission} onChange={setPermission} options={grantablePermissions.map((p) => [p.id, `${p.name} (${p.key})`] as const)} />
        </Form>
        <ActionButton
          label={`Remove from organization ${props.orgName}`}
          onClick={async () => {
            await del(`/api/v1/organizations/${enc(props.orgCode)}/users/${enc(props.userId)}`);
            props.onChange();
          }}
        >
          Remove from organization
        </ActionButton>
      </div>
    </div>
  );
}
