import { useState } from 'preact/hooks';
import { ApiError, post, type Session } from '../api';
import { Field, Form, PageTitle } from '../ui';

/** First-operator setup (the one-time link `roster serve` prints) and sign-in. */
export function SetupPage(props: { onDone: (s: Session) => void }) {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  return (
    <>
      <PageTitle>Create the first operator</PageTitle>
      <p>Operators run Roster; they are not users of your product. This link works once and expires 24 hours after the server printed it.</p>
      {token ? null : (
        <p class="error" role="alert">
          This page needs the setup link printed by <code>roster serve</code> (it carries a token).
        </p>
      )}
      <Form
        label="Create operator"
        submit="Create operator"
        onSubmit={async () => {
          const s = await post<Session>('/admin/api/setup', { token, email, password });
          history.replaceState(null, '', '/admin/users');
          props.onDone(s);
        }}
      >
        <Field label="Email" type="email" autocomplete="username" required value={email} onInput={setEmail} />
        <Field label="Password" type="password" autocomplete="new-password" required value={password} onInput={setPassword} hint="A long passphrase; it is hashed like every password." />
      </Form>
    </>
  );
}

export function SignInPage(props: { onDone: (s: Session) => void; setupRequired: boolean }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  return (
    <>
      <PageTitle>Sign in to Roster</PageTitle>
      {props.setupRequired ? (
        <p class="notice" role="status">
          No operator exists yet: open the setup link that <code>roster serve</code> printed when it started.
        </p>
      ) : null}
      <Form
        label="Sign in"
        submit="Sign in"
        onSubmit={async () => {
          try {
            const s = await post<Session>('/admin/api/sign_in', { email, password, ...(needTotp && totp ? { totp_code: totp } : {}) });
            props.onDone(s);
          } catch (err) {
            if (err instanceof ApiError && err.code === 'TOTP_REQUIRED') setNeedTotp(true);
            throw err;
          }
        }}
      >
        <Field label="Email" type="email" autocomplete="username" required value={email} onInput={setEmail} />
        <Field label="Password" type="password" autocomplete="current-password" required value={password} onInput={setPassword} />
        {needTotp ? <Field label="Authenticator code" inputMode="numeric" autocomplete="one-time-code" value={totp} onInput={setTotp} /> : null}
      </Form>
    </>
  );
}
