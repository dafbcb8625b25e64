import { useState } from 'preact/hooks';
import { enc, get, patch, put } from '../../api';
import { ErrorText, Field, Form, Section, useLoad } from '../../ui';
import type { AuditItem } from '../../components/audit-table';

// The properties and feature flag overrides section of a user's profile (user.tsx).

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
