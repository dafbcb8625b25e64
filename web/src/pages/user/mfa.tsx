import { ApiError, del, enc, get } from '../../api';
import { ActionButton, ErrorText, formatTime, Section, useLoad } from '../../ui';

// The multi-factor authentication section of a user's profile (user.tsx).

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
