import { useState } from 'preact/hooks';
import { ApiError, del, enc, get, patch, post, put } from '../api';
import { ActionButton, ErrorText, Field, Form, formatTime, Loading, Pager, Section, Select, useKeyset, useLoad } from '../ui';

/** The sections of a user's profile, each loading its own data from the API. */
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

interface AuditItem {
  id: string;
  type: string;
  occurred_on: string;
  actor: { type: string; id: string | null };
  source: string;
  user_id: string | null;
  email: string | null;
  org_codes: string[];
  ip: string | null;
  details: Record<string, unknown>;
  description?: string;
}

export function PropertiesSection(props: { userId: string; version: number; onChange: () => void }) {
  const base = `/api/v1/users/${enc(props.userId)}`;
  const properties = useLoad(() => get<{ properties: { key: string; name: string; value: string | null }[] }>(`${base}/properties`), [props.userId, props.version]);
  // Overrides have no list endpoint in Kinde's API: the latest per key comes from the user's audit trail.
  const flags = useLoad(async () => {
    const r = await get<{ audit_log: AuditItem[] }>('/api/v1/audit_log', { user_id: props.userId, type: 'user.feature_flag_override_set', page_size: 200 });
    const latest = new Map<string, string | null>();
    for (const e of r.audit_log) {
      const key = String(e.details.key ?? '');
      if (key && !latest.has(key)) latest.set(key, (e.details.value as string | null) ?? null);
    }
    return [...latest];
  }, [props.userId, props.version]);
  const [propKey, setPropKey] = useState('');
  const [propValue, setPropValue] = useState('');
  const [flagKey, setFlagKey] = useState('');
  const [flagValue, setFlagValue] = useState('');
  return (
    <Section title="Properties and feature flags">
      <ErrorText error={properties.error ?? flags.error} />
      <div class="row">
        <div>
          <h3>Properties</h3>
          <dl class="details">{(properties.data?.properties ?? []).flatMap((p) => [<dt key={`k${p.key}`}>{p.name}</dt>, <dd key={`v${p.key}`}>{p.value ?? '—'}</dd>])}</dl>
          <Form
            label="Set property"
            submit="Set property"
            onSubmit={async () => {
              await put(`${base}/properties/${enc(propKey)}`, undefined, { value: propValue });
              props.onChange();
            }}
          >
            <Field label="Property key" required value={propKey} onInput={setPropKey} />
            <Field label="Property value" value={propValue} onInput={setPropValue} />
          </Form>
        </div>
        <div>
          <h3>Feature flag overrides</h3>
          <dl class="details">{(flags.data ?? []).flatMap(([k, v]) => [<dt key={`k${k}`}>{k}</dt>, <dd key={`v${k}`}>{v ?? '—'}</dd>])}</dl>
          <Form
            label="Override feature flag"
            submit="Override flag"
            onSubmit={async () => {
              await patch(`${base}/feature_flags/${enc(flagKey)}`, undefined, { value: flagValue });
              props.onChange();
            }}
          >
            <Field label="Flag key" required value={flagKey} onInput={setFlagKey} />
            <Field label="Flag value" value={flagValue} onInput={setFlagValue} />
          </Form>
        </div>
      </div>
    </Section>
  );
}

interface Factor {
  id: string;
  type: string;
  name: string;
  created_on: string;
}

async function factorOrNone(path: string): Promise<Factor | null> {
  try {
    return (await get<{ mfa: Factor }>(path)).mfa;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export function MfaSection(props: { userId: string; orgCodes: string[]; version: number; onChange: () => void }) {
  const user = enc(props.userId);
  const scopes = useLoad(
    () =>
      Promise.all([
        factorOrNone(`/api/v1/users/${user}/mfa`).then((f) => ({ scope: 'Environment', base: `/api/v1/users/${user}/mfa`, factor: f })),
        ...props.orgCodes.map((code) =>
          factorOrNone(`/api/v1/organizations/${enc(code)}/users/${user}/mfa`).then((f) => ({
            scope: `Organization ${code}`,
            base: `/api/v1/organizations/${enc(code)}/users/${user}/mfa`,
            factor: f,
          })),
        ),
      ]),
    [props.userId, props.orgCodes.join(','), props.version],
  );
  return (
    <Section title="Multi-factor authentication">
      <ErrorText error={scopes.error} />
      <table aria-label="MFA factors by scope">
        <thead>
          <tr>
            <th scope="col">Scope</th>
            <th scope="col">Factor</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(scopes.data ?? []).map((s) => (
            <tr key={s.scope}>
              <td>{s.scope}</td>
              <td>{s.factor ? `${s.factor.type}: ${s.factor.name} (since ${formatTime(s.factor.created_on)})` : 'None'}</td>
              <td class="actions">
                {s.factor ? (
                  <>
                    <ActionButton
                      label={`Reset this factor (${s.factor.type}, ${s.scope})`}
                      onClick={async () => {
                        await del(`${s.base}/${enc(s.factor!.id)}`);
                        props.onChange();
                      }}
                    >
                      Reset this factor
                    </ActionButton>
                    <ActionButton
                      label={`Reset all in scope (${s.scope})`}
                      onClick={async () => {
                        await del(s.base);
                        props.onChange();
                      }}
                    >
                      Reset all in scope
                    </ActionButton>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

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

export function AuditTable(props: { entries: AuditItem[]; label: string }) {
  return (
    <table aria-label={props.label} class="audit">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Type</th>
          <th scope="col">Actor</th>
          <th scope="col">Source</th>
          <th scope="col">Subject</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {props.entries.length === 0 ? (
          <tr>
            <td colSpan={6}>No entries.</td>
          </tr>
        ) : (
          props.entries.map((e) => (
            <tr key={e.id}>
              <td>
                <time dateTime={e.occurred_on}>{formatTime(e.occurred_on)}</time>
              </td>
              <td>
                <code>{e.type}</code>
              </td>
              <td>
                {e.actor.type}
                {e.actor.id ? ` ${e.actor.id}` : ''}
              </td>
              <td>{e.source}</td>
              <td>
                {e.email ?? e.user_id ?? ''}
                {e.org_codes.length ? ` · ${e.org_codes.join(', ')}` : ''}
                {e.ip ? ` · ${e.ip}` : ''}
              </td>
              <td>
                <Details details={e.details} />
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

export type { AuditItem };

/** An entry's details: short ones inline, long ones folded behind their first words. */
function Details(props: { details: Record<string, unknown> }) {
  const { correlation_id: _c, ...rest } = props.details;
  const text = JSON.stringify(rest);
  if (text.length <= 120) return <code class="details-json">{text}</code>;
  return (
    <details>
      <summary class="details-json">{text.slice(0, 80)}…</summary>
      <code class="details-json">{text}</code>
    </details>
  );
}
