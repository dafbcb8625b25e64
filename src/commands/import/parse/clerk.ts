import { newDraft } from './assemble';
import { namedDialect, type CsvDialect } from './csv-dialect';
import { addEmail, addPhone, addUsername, looseBoolean, requireIdentity, suspendAtSource } from './draft-helpers';
import { checkPasswordFields } from './password-fields';

/**
 * Clerk's dashboard export ("User exports" → Export users), one row per user:
 * id, first_name, last_name, username, primary_email_address, primary_phone_number,
 * verified_/unverified_ email addresses and phone numbers, totp_secret,
 * password_digest, password_hasher. The Dashboard export has no ban state (only the
 * Backend API's user object has `banned`): an optional `banned` column (true/false),
 * added from the API, imports banned users suspended.
 */
const KNOWN: ReadonlySet<string> = new Set([
  'id',
  'first_name',
  'last_name',
  'username',
  'primary_email_address',
  'primary_phone_number',
  'verified_email_addresses',
  'unverified_email_addresses',
  'verified_phone_numbers',
  'unverified_phone_numbers',
  'totp_secret',
  'password_digest',
  'password_hasher',
  'banned',
]);

/** Clerk's `password_hasher` names → Roster hashing methods. */
const HASHERS: Readonly<Record<string, string>> = {
  bcrypt: 'bcrypt',
  argon2i: 'argon2',
  argon2id: 'argon2',
  pbkdf2_sha256: 'pbkdf2',
  pbkdf2_sha256_django: 'pbkdf2',
  pbkdf2_sha1: 'pbkdf2',
  bcrypt_sha256_django: 'bcrypt_sha256',
  scrypt_firebase: 'firebase_scrypt',
  sha256: 'sha256',
  md5: 'md5',
  phpass: 'wordpress',
};

/** Clerk writes several addresses in one cell; accept `|`, `,` or `;` between them. */
function list(cell: string): string[] {
  return cell
    .split(/[|,;]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function clerkCsvDialect(columns: readonly string[]): CsvDialect {
  return namedDialect(
    'clerk',
    columns,
    KNOWN,
    {
      anyOf: ['primary_email_address', 'primary_phone_number', 'username'],
      message: 'A Clerk export needs primary_email_address, primary_phone_number or username.',
    },
    (get, line, raw, checkHash) => {
      // A TOTP secret is a live second factor: never kept for the failed-rows file.
      const secretAt = columns.findIndex((c) => c.trim().toLowerCase() === 'totp_secret');
      const kept = raw.fields && secretAt >= 0 ? { ...raw, fields: raw.fields.map((f, i) => (i === secretAt ? '' : f)) } : raw;
      const d = newDraft('user', line, kept);
      const id = get('id').trim();
      if (id !== '') d.providedId = id;
      if (get('first_name').trim()) d.firstName = get('first_name').trim();
      if (get('last_name').trim()) d.lastName = get('last_name').trim();
      const verifiedEmails = list(get('verified_email_addresses')).map((e) => e.toLowerCase());
      const verifiedPhones = list(get('verified_phone_numbers'));
      const primaryEmail = get('primary_email_address').trim();
      const primaryPhone = get('primary_phone_number').trim();
      addEmail(d, primaryEmail, 'primary_email_address', primaryEmail ? verifiedEmails.includes(primaryEmail.toLowerCase()) : undefined);
      for (const e of verifiedEmails) addEmail(d, e, 'verified_email_addresses', true);
      addPhone(d, primaryPhone, 'primary_phone_number', primaryPhone ? verifiedPhones.includes(primaryPhone) : undefined);
      for (const p of verifiedPhones) addPhone(d, p, 'verified_phone_numbers', true);
      addUsername(d, get('username'), 'username');
      const banned = looseBoolean(get('banned'));
      if (get('banned').trim() !== '' && banned === undefined) d.errors.push({ code: 'INVALID_FIELD', field: 'banned', message: 'banned must be true or false.' });
      if (banned === true) suspendAtSource(d, 'banned', 'banned in Clerk');

      const digest = get('password_digest').trim();
      if (digest !== '') {
        const hasher = get('password_hasher').trim().toLowerCase();
        const method = HASHERS[hasher];
        if (!method) {
          d.warnings.push({
            code: 'PASSWORD_NOT_IMPORTED',
            field: 'password_hasher',
            message: `Password not imported: Clerk hasher "${hasher.slice(0, 30)}" is not supported (${Object.keys(HASHERS).join(', ')}). The user is imported and must reset their password.`,
          });
        } else {
          const pw = checkPasswordFields({ hashedPassword: digest, hashingMethod: method }, checkHash);
          if (pw.kind === 'ok') d.password = pw.password;
          else if (pw.kind === 'not_imported')
            d.warnings.push({ code: 'PASSWORD_NOT_IMPORTED', field: 'password_digest', message: `Password not imported: ${pw.reason}. The user is imported and must reset their password.` });
        }
      }
      requireIdentity(d, 'primary_email_address', 'no email address, phone number or username');
      return d;
    },
  );
}
