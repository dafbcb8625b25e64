import { useState } from 'preact/hooks';
import { ApiError, post, type Session } from '../api';
import { Field, Form, PageTitle } from '../ui';

/** First-operator setup (the one-time link `roster serve` prints) and sign-in. */
export function SetupPage(props: { onDone: (s: Session) => void }) {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totpSecret, setTotpSecret] = useState('');
  const [totpCode, setTotpCode] = useState('');
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
          const s = await post<Session>('/admin/api/setup', { token, email, password, ...(totpSecret ? { totp_secret: totpSecret, totp_code: totpCode } : {}) });
          history.replaceState(null, '', '/admin/users');
          props.onDone(s);
        }}
      >
        <Field label="Email" type="email" autocomplete="username" required value={email} onInput={setEmail} />
        <Field label="Password" type="password" autocomplete="new-password" required value={password} onInput={setPassword} hint="A long passphrase; it is hashed like every password." />
        <div class="field">
          <label class="choice">
            <input type="checkbox" checked={Boolean(totpSecret)} onChange={(e) => setTotpSecret((e.target as HTMLInputElement).checked ? newTotpSecret() : '')} />
            <span>Also require a code from an authenticator app (TOTP)</span>
          </label>
        </div>
        {totpSecret ? (
          <>
            <p>
              Add this key to your authenticator app, then type the code it shows: <code class="secret">{totpSecret}</code>
              <br />
              <small class="hint">
                Or as a link: <code>{`otpauth://totp/Roster:${encodeURIComponent(email || 'operator')}?secret=${totpSecret}&issuer=Roster`}</code>
              </small>
            </p>
            <Field label="Authenticator code" inputMode="numeric" autocomplete="one-time-code" required value={totpCode} onInput={setTotpCode} />
          </>
        ) : null}
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

/** A random 160-bit TOTP key in base32 (RFC 4648, no padding), as authenticator apps expect. */
function newTotpSecret(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}
