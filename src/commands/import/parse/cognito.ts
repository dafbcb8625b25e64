import { newDraft } from './assemble';
import { namedDialect, type CsvDialect } from './csv-dialect';
import { addEmail, addPhone, addUsername, looseBoolean, requireIdentity, splitFullName, suspendAtSource } from './draft-helpers';

/**
 * An AWS Cognito user pool as CSV: the header `GetCSVHeader` gives (the standard
 * attributes plus `cognito:username` and `cognito:mfa_enabled`), as exported by
 * `list-users` scripts and backup tools, which often add `sub`, `enabled` and
 * `user_status`. Cognito never exports password hashes: every user is imported
 * with PASSWORD_NOT_IMPORTED and a password reset required.
 */
const READ = [
  'cognito:username',
  'sub',
  'email',
  'email_verified',
  'phone_number',
  'phone_number_verified',
  'given_name',
  'family_name',
  'name',
  'preferred_username',
  'picture',
  'enabled',
  'user_status',
  'cognito:user_status',
] as const;
const DROPPED = [
  'middle_name',
  'nickname',
  'profile',
  'website',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'address',
  'updated_at',
  'cognito:mfa_enabled',
  'usercreatedate',
  'userlastmodifieddate',
] as const;
const KNOWN: ReadonlySet<string> = new Set([...READ, ...DROPPED]);

/**
 * Cognito user statuses that mean the account may not sign in: COMPROMISED ("disabled
 * because of a potential security threat"), ARCHIVED ("no longer active"), and DISABLED,
 * which export scripts write for a user whose `Enabled` is false.
 */
const NO_SIGN_IN_STATUSES: ReadonlySet<string> = new Set(['COMPROMISED', 'ARCHIVED', 'DISABLED']);

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function cognitoCsvDialect(columns: readonly string[]): CsvDialect {
  return namedDialect(
    'cognito',
    columns,
    KNOWN,
    {
      anyOf: ['email', 'phone_number'],
      message: 'A Cognito user CSV needs the email or phone_number column.',
    },
    (get, line, raw) => {
      const d = newDraft('user', line, raw);
      const username = get('cognito:username').trim();
      const sub = get('sub').trim();
      if (sub !== '' || username !== '') d.providedId = sub || username;
      /** A true/false column (`email_verified`, `enabled`): anything else fails the row rather than being guessed. */
      const verified = (col: string): boolean | undefined => {
        const v = looseBoolean(get(col));
        if (get(col).trim() !== '' && v === undefined) d.errors.push({ code: 'INVALID_FIELD', field: col, message: `${col} must be true or false.` });
        return v;
      };
      addEmail(d, get('email'), 'email', verified('email_verified'));
      addPhone(d, get('phone_number'), 'phone_number', verified('phone_number_verified'));
      // The pool's login name is a username only when it is neither the sub (a UUID) nor the email.
      const login = get('preferred_username').trim() || username;
      if (login !== '' && !UUID_RE.test(login) && !login.includes('@')) addUsername(d, login, 'cognito:username', true);
      if (get('given_name').trim()) d.firstName = get('given_name').trim();
      if (get('family_name').trim()) d.lastName = get('family_name').trim();
      splitFullName(d, get('name'));
      if (get('picture').trim()) d.picture = get('picture').trim();
      d.warnings.push({
        code: 'PASSWORD_NOT_IMPORTED',
        field: null,
        message: 'Password not imported: Cognito does not export password hashes. The user is imported and must reset their password.',
      });
      d.passwordResetRequired = true;
      const statusColumn = get('user_status').trim() !== '' ? 'user_status' : 'cognito:user_status';
      const status = get(statusColumn).trim().toUpperCase();
      if (verified('enabled') === false) suspendAtSource(d, 'enabled', 'disabled in Cognito');
      else if (NO_SIGN_IN_STATUSES.has(status)) suspendAtSource(d, statusColumn, `disabled in Cognito (user status ${status})`);
      requireIdentity(d, 'email', 'no email or phone_number');
      return d;
    },
  );
}
