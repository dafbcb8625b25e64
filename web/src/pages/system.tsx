import { useState } from 'preact/hooks';
import { ApiError, del, enc, get, post } from '../api';
import { ActionButton, ErrorText, Field, Form, formatTime, PageTitle, Pager, Section, useKeyset, useLoad } from '../ui';

/** System: projections, webhooks and their deliveries, API clients. */
interface ProjectionStatus {
  name: string;
  checkpoint: string | number | null;
  lag_events: number;
  lag_seconds: number | null;
  failed_events: number;
  rebuilding?: boolean;
}

export function SystemPage() {
  return (
    <>
      <PageTitle>System</PageTitle>
      <Projections />
      <Webhooks />
      <ApiClients />
    </>
  );
}

function Projections() {
  const list = useLoad(() => get<{ projections: ProjectionStatus[] }>('/api/v1/projections'), []);
  return (
    <Section title="Projections">
      <ErrorText error={list.error} />
      <table aria-label="Projections">
        <thead>
          <tr>
            <th scope="col">Read model</th>
            <th scope="col">Checkpoint</th>
            <th scope="col">Lag (events)</th>
            <th scope="col">Lag (seconds)</th>
            <th scope="col">Failed events</th>
            <th scope="col">Rebuild</th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.projections ?? []).map((p) => (
            <tr key={p.name}>
              <td>{p.name}</td>
              <td>
                <code>{String(p.checkpoint ?? '—')}</code>
              </td>
              <td>{p.lag_events}</td>
              <td>{p.lag_seconds ?? '—'}</td>
              <td>{p.failed_events ? <span class="badge warn">{p.failed_events}</span> : 0}</td>
              <td>
                {p.rebuilding ? (
                  'Rebuilding…'
                ) : (
                  <ActionButton
                    label={`Rebuild ${p.name}`}
                    onClick={async () => {
                      await post(`/api/v1/projections/${enc(p.name)}/rebuild`);
                      list.reload();
                    }}
                  >
                    Rebuild
                  </ActionButton>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={list.reload}>
        Refresh
      </button>
    </Section>
  );
}

interface Webhook {
  id: string;
  name: string;
  endpoint: string;
  event_types: string[];
  status: string;
}

interface Delivery {
  id: string;
  event_type: string;
  state: string;
  attempt_count: number;
  last_status: number | null;
  last_error: string | null;
  created_on: string;
  delivered_on: string | null;
}

function Webhooks() {
  const list = useLoad(() => get<{ webhooks: Webhook[] }>('/api/v1/webhooks'), []);
  const [picked, setPicked] = useState<Webhook | null>(null);
  return (
    <Section title="Webhooks">
      <ErrorText error={list.error} />
      <table aria-label="Webhooks">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Events</th>
            <th scope="col">Status</th>
            <th scope="col">Deliveries</th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.webhooks ?? []).length === 0 ? (
            <tr>
              <td colSpan={5}>No webhooks.</td>
            </tr>
          ) : null}
          {(list.data?.webhooks ?? []).map((w) => (
            <tr key={w.id}>
              <td>{w.name}</td>
              <td>{w.endpoint}</td>
              <td>{w.event_types.join(', ')}</td>
              <td>{w.status}</td>
              <td>
                <button type="button" aria-label={`Show deliveries of ${w.name}`} onClick={() => setPicked(w)}>
                  Deliveries
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {picked ? <Deliveries key={picked.id} webhook={picked} /> : null}
    </Section>
  );
}

function Deliveries(props: { webhook: Webhook }) {
  const keyset = useKeyset(props.webhook.id);
  const base = `/api/v1/webhooks/${enc(props.webhook.id)}/deliveries`;
  const list = useLoad(() => get<{ deliveries: Delivery[]; next_token?: string }>(base, { page_size: 25, next_token: keyset.token }), [base, keyset.token]);
  return (
    <>
      <h3>Deliveries of {props.webhook.name}</h3>
      <ErrorText error={list.error} />
      <table aria-label={`Deliveries of ${props.webhook.name}`}>
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Event</th>
            <th scope="col">State</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last answer</th>
            <th scope="col">Retry</th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.deliveries ?? []).map((d) => (
            <tr key={d.id}>
              <td>{formatTime(d.created_on)}</td>
              <td>{d.event_type}</td>
              <td>{d.state}</td>
              <td>{d.attempt_count}</td>
              <td>{d.last_status ?? d.last_error ?? '—'}</td>
              <td>
                <ActionButton
                  label={`Retry delivery ${d.id}`}
                  onClick={async () => {
                    await post(`${base}/${enc(d.id)}/retry`);
                    list.reload();
                  }}
                >
                  Retry
                </ActionButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager keyset={keyset} nextToken={list.data?.next_token} label="Deliveries" />
    </>
  );
}

/** API clients (machine-to-machine): the secret is shown once, at creation. */
const CLIENTS = '/api/v1/clients';
interface Client {
  client_id: string;
  name: string;
  scopes: string[];
  created_on?: string;
  revoked_on?: string | null;
}

function ApiClients() {
  const [version, setVersion] = useState(0);
  const list = useLoad(async () => {
    try {
      return await get<{ clients: Client[] }>(CLIENTS);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }, [version]);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState('');
  const [created, setCreated] = useState<{ client_id: string; client_secret: string } | null>(null);
  return (
    <Section title="API clients">
      <ErrorText error={list.error} />
      {list.data === null ? (
        <p class="notice" role="status">
          This server does not manage API clients over HTTP; use <code>roster clients create|list|revoke</code>.
        </p>
      ) : null}
      <table aria-label="API clients">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Client id</th>
            <th scope="col">Scopes</th>
            <th scope="col">Revoke</th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.clients ?? []).map((c) => (
            <tr key={c.client_id}>
              <td>{c.name}</td>
              <td>
                <code>{c.client_id}</code>
              </td>
              <td>{c.scopes.length > 6 ? `${c.scopes.length} scopes` : c.scopes.join(', ')}</td>
              <td>
                {c.revoked_on ? (
                  `Revoked ${formatTime(c.revoked_on)}`
                ) : (
                  <ActionButton
                    label={`Revoke ${c.name}`}
                    onClick={async () => {
                      await del(`${CLIENTS}/${enc(c.client_id)}`);
                      setVersion((v) => v + 1);
                    }}
                  >
                    Revoke
                  </ActionButton>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Form
        label="Create API client"
        submit="Create client"
        class="inline"
        onSubmit={async () => {
          const r = await post<{ client_id: string; client_secret: string }>(CLIENTS, {
            name,
            scopes: scopes
              .split(/[\s,]+/)
              .map((s) => s.trim())
              .filter(Boolean),
          });
          setCreated({ client_id: r.client_id, client_secret: r.client_secret });
          setName('');
          setScopes('');
          setVersion((v) => v + 1);
        }}
      >
        <Field label="Client name" required value={name} onInput={setName} />
        <Field label="Scopes" value={scopes} onInput={setScopes} placeholder="read:users, create:imports" hint="Comma or space separated." />
      </Form>
      {created ? (
        <p class="notice" role="status">
          Client <code>{created.client_id}</code> created. Its secret, shown only this once: <code class="secret">{created.client_secret}</code>
        </p>
      ) : null}
    </Section>
  );
}
