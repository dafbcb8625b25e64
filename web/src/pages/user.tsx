import { useRef, useState } from 'preact/hooks';
import { del, enc, get, patch, put } from '../api';
import { navigate } from '../router';
import { ActionButton, ErrorText, Field, Form, formatTime, Loading, PageTitle, Section, useAction, useId, useLoad } from '../ui';
import { ActivitySection } from './user/activity';
import { AuditTrailSection } from './user/audit-trail';
import { IdentitiesSection } from './user/identities';
import { MfaSection } from './user/mfa';
import { OrganizationsSection } from './user/organizations';
import { PropertiesSection } from './user/properties';

/** One user: details, every action the docs describe, history, and "as of" time travel. */
export interface UserDetail {
  id: string;
  provided_id?: string;
  preferred_email?: string;
  phone?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
  is_suspended: boolean;
  total_sign_ins: number;
  failed_sign_ins: number;
  last_signed_in: string | null;
  created_on: string | null;
  organizations?: string[];
  identities?: { type: string; identity: string }[];
}

export function UserPage(props: { userId: string }) {
  const id = props.userId;
  const [asOfInput, setAsOfInput] = useState('');
  const [asOf, setAsOf] = useState('');
  const user = useLoad(() => get<UserDetail>('/api/v1/user', { id, expand: 'organizations,identities', as_of: asOf || undefined }), [id, asOf]);
  const [version, setVersion] = useState(0);
  const changed = () => {
    user.reload();
    setVersion((v) => v + 1);
  };
  const asOfError = useId('asof');
  const [asOfProblem, setAsOfProblem] = useState<unknown>(null);

  if (!user.data && user.loading) return <Loading what="the user" />;
  if (!user.data)
    return (
      <>
        <PageTitle>User</PageTitle>
        <ErrorText error={user.error} />
      </>
    );
  const u = user.data;
  const name = [u.first_name, u.last_name].filter(Boolean).join(' ') || u.preferred_email || u.phone || u.username || u.id;
  const past = Boolean(asOf);

  return (
    <>
      <PageTitle>{name}</PageTitle>
      <form
        class="filters asof"
        aria-label="See the profile as of a moment"
        // The moment is checked below; the browser's step check would refuse milliseconds typed or pasted in.
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setAsOfProblem(null);
          if (!asOfInput) return setAsOf('');
          const d = new Date(asOfInput);
          if (Number.isNaN(d.getTime())) return setAsOfProblem(new Error('Pick a valid date and time'));
          setAsOf(d.toISOString());
        }}
      >
        <Field label="As of" type="datetime-local" step="1" value={asOfInput} onInput={setAsOfInput} aria-describedby={asOfProblem ? asOfError : undefined} />
        <div class="submit">
          <button type="submit">Show profile then</button>
          {past ? (
            <button
              type="button"
              onClick={() => {
                setAsOf('');
                setAsOfInput('');
              }}
            >
              Back to now
            </button>
          ) : null}
        </div>
        <ErrorText error={asOfProblem ?? (past ? user.error : null)} id={asOfError} />
      </form>
      {past ? (
        <p class="notice" role="status">
          Showing the profile as it was at {formatTime(asOf)}. Actions are disabled.
        </p>
      ) : null}

      <Section title="Details">
        <dl class="details">
          <dt>Id</dt>
          <dd>
            <code>{u.id}</code>
          </dd>
          <dt>Provided id</dt>
          <dd>{u.provided_id ?? '—'}</dd>
          <dt>Email</dt>
          <dd>{u.preferred_email ?? '—'}</dd>
          <dt>Phone</dt>
          <dd>{u.phone ?? '—'}</dd>
          <dt>Username</dt>
          <dd>{u.username ?? '—'}</dd>
          <dt>Status</dt>
          <dd data-testid="status">{u.is_suspended ? <span class="badge warn">Suspended</span> : 'Active'}</dd>
          <dt>Sign-ins</dt>
          <dd>
            {u.total_sign_ins} succeeded, {u.failed_sign_ins} failed; last {formatTime(u.last_signed_in)}
          </dd>
          <dt>Created</dt>
          <dd>{formatTime(u.created_on)}</dd>
          <dt>Organizations</dt>
          <dd>{(u.organizations ?? []).join(', ') || '—'}</dd>
        </dl>
      </Section>

      {past ? null : (
        <>
          <AccessSection user={u} onChange={changed} />
          <IdentitiesSection userId={id} version={version} onChange={changed} />
          <OrganizationsSection userId={id} orgCodes={u.organizations ?? []} onChange={changed} />
          <PropertiesSection userId={id} version={version} onChange={changed} />
          <MfaSection userId={id} orgCodes={u.organizations ?? []} version={version} onChange={changed} />
          <DeleteSection userId={id} />
        </>
      )}
      <ActivitySection userId={id} version={version} />
      <AuditTrailSection userId={id} version={version} />
    </>
  );
}

/** Suspend or restore, require a password reset, set a temporary password. */
function AccessSection(props: { user: UserDetail; onChange: () => void }) {
  const u = props.user;
  const [temporary, setTemporary] = useState<string | null>(null);
  return (
    <Section title="Access">
      <div class="actions">
        {u.is_suspended ? (
          <ActionButton
            onClick={async () => {
              await patch('/api/v1/user', { is_suspended: false }, { id: u.id });
              props.onChange();
            }}
          >
            Restore user
          </ActionButton>
        ) : (
          <ActionButton
            class="warn"
            onClick={async () => {
              await patch('/api/v1/user', { is_suspended: true }, { id: u.id });
              props.onChange();
            }}
          >
            Suspend user
          </ActionButton>
        )}
        <ActionButton
          onClick={async () => {
            await patch('/api/v1/user', { is_password_reset_requested: true }, { id: u.id });
            props.onChange();
          }}
        >
          Require password reset
        </ActionButton>
        <ActionButton
          onClick={async () => {
            // Roster never accepts a plain password: the console hashes it here, and shows it once.
            const password = randomPassword();
            const { default: bcrypt } = await import('bcryptjs');
            const hashed = await bcrypt.hash(password, 10);
            await put(`/api/v1/users/${enc(u.id)}/password`, { hashed_password: hashed, hashing_method: 'bcrypt', is_temporary_password: true });
            setTemporary(password);
            props.onChange();
          }}
        >
          Set a temporary password
        </ActionButton>
      </div>
      {temporary ? (
        <p class="notice" role="status">
          Temporary password (shown once; the user must choose a new one at the next sign-in): <code class="secret">{temporary}</code>
        </p>
      ) : null}
    </Section>
  );
}

function randomPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** Delete with the docs' two extents, each explained before it is confirmed. */
function DeleteSection(props: { userId: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [extent, setExtent] = useState<'revoke_access' | 'delete_profile'>('revoke_access');
  const errId = useId('delerr');
  const action = useAction(async () => {
    await del('/api/v1/user', { id: props.userId, is_delete_profile: extent === 'delete_profile' ? 'true' : 'false' });
    dialog.current?.close();
    navigate('/users');
  });
  return (
    <Section title="Delete">
      <button type="button" class="danger" onClick={() => dialog.current?.showModal()}>
        Delete user…
      </button>
      <dialog ref={dialog} aria-labelledby="delete-title">
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            void action.run();
          }}
        >
          <h2 id="delete-title">Delete this user</h2>
          <fieldset>
            <legend>Choose the extent</legend>
            <label class="choice">
              <input type="radio" name="extent" value="revoke_access" checked={extent === 'revoke_access'} onChange={() => setExtent('revoke_access')} />
              <span>
                <strong>Revoke access</strong>: the user can no longer sign in to any organization, but the profile stays in Roster (details, identities and history are kept).
              </span>
            </label>
            <label class="choice">
              <input type="radio" name="extent" value="delete_profile" checked={extent === 'delete_profile'} onChange={() => setExtent('delete_profile')} />
              <span>
                <strong>Delete the profile</strong>: the user record is removed completely, with its access and subscriber lists. A later sign-in is asked to sign up again. The audit log keeps that it
                happened.
              </span>
            </label>
          </fieldset>
          <div class="actions">
            <button type="submit" class="danger" disabled={action.busy} aria-describedby={action.error ? errId : undefined}>
              Delete user
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
          <ErrorText error={action.error} id={errId} />
        </form>
      </dialog>
    </Section>
  );
}
