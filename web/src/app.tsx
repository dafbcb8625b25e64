import { useEffect, useState } from 'preact/hooks';
import { loadSession, post, setCsrfToken, whenSignedOut, type Session } from './api';
import { Link, navigate, usePath } from './router';
import { ActionButton, ErrorText, Loading } from './ui';
import { AuditPage } from './pages/audit';
import { ImportPage } from './pages/import';
import { OrganizationsPage } from './pages/organizations';
import { PermissionsPage } from './pages/permissions';
import { RolesPage } from './pages/roles';
import { SetupPage, SignInPage } from './pages/sign-in';
import { SubscribersPage } from './pages/subscribers';
import { SystemPage } from './pages/system';
import { UserPage } from './pages/user';
import { UsersPage } from './pages/users';

const NAV: readonly (readonly [string, string])[] = [
  ['/users', 'Users'],
  ['/import', 'Import'],
  ['/organizations', 'Organizations'],
  ['/roles', 'Roles'],
  ['/permissions', 'Permissions'],
  ['/subscribers', 'Subscribers'],
  ['/audit', 'Audit log'],
  ['/system', 'System'],
];

type State = { kind: 'loading' } | { kind: 'error'; error: unknown } | { kind: 'signed_out'; setupRequired: boolean } | { kind: 'signed_in'; session: Session };

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const path = usePath();

  const refresh = () =>
    loadSession().then(
      (r) => setState(r.session ? { kind: 'signed_in', session: r.session } : { kind: 'signed_out', setupRequired: r.setupRequired }),
      (error) => setState({ kind: 'error', error }),
    );
  useEffect(() => {
    whenSignedOut(() => setState({ kind: 'signed_out', setupRequired: false }));
    void refresh();
  }, []);

  const signedIn = (session: Session) => {
    setCsrfToken(session.csrf_token);
    setState({ kind: 'signed_in', session });
    if (path === '/' || path === '/setup' || path === '/sign-in') navigate('/users', true);
  };

  if (state.kind === 'loading') return <Loading what="the console" />;
  if (state.kind === 'error')
    return (
      <main id="main">
        <h1>Roster console</h1>
        <ErrorText error={state.error} />
      </main>
    );
  if (state.kind === 'signed_out') {
    return (
      <main id="main" class="narrow">
        {path === '/setup' ? <SetupPage onDone={signedIn} /> : <SignInPage onDone={signedIn} setupRequired={state.setupRequired} />}
      </main>
    );
  }
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Roster</span>
        <nav aria-label="Console">
          <ul>
            {NAV.map(([to, label]) => (
              <li key={to}>
                <Link to={to} aria-current={path === to || path.startsWith(`${to}/`) ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          <span>{state.session.operator.email}</span>
          <ActionButton
            onClick={async () => {
              await post('/admin/api/sign_out');
              setCsrfToken('');
              setState({ kind: 'signed_out', setupRequired: false });
              navigate('/sign-in', true);
            }}
          >
            Sign out
          </ActionButton>
        </span>
      </header>
      <main id="main">
        {/* Keyed by the whole address: a link with other query parameters opens a fresh page. */}
        <Page key={location.pathname + location.search} path={path} />
      </main>
    </>
  );
}

function Page(props: { path: string }) {
  const p = props.path;
  const user = /^\/users\/([^/]+)$/.exec(p);
  if (user) return <UserPage key={user[1]} userId={decodeURIComponent(user[1]!)} />;
  switch (p) {
    case '/':
    case '/users':
    case '/setup':
    case '/sign-in':
      return <UsersPage />;
    case '/import':
      return <ImportPage />;
    case '/organizations':
      return <OrganizationsPage />;
    case '/roles':
      return <RolesPage />;
    case '/permissions':
      return <PermissionsPage />;
    case '/subscribers':
      return <SubscribersPage />;
    case '/audit':
      return <AuditPage />;
    case '/system':
      return <SystemPage />;
    default:
      return (
        <>
          <h1>Not found</h1>
          <p>
            No page at this address. <Link to="/users">Go to users</Link>.
          </p>
        </>
      );
  }
}
