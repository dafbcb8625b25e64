import { z } from 'zod';
import { newDraft, type RowDraft } from './assemble';
import { addEmail, addIdentity, addPhone, addUsername, requireIdentity, suspendAtSource } from './draft-helpers';
import { SOCIAL_IDENTITY_TYPES, type ImportIdentityType } from './identity-types';
import { describeZodError } from './kinde-ndjson';
import { checkPasswordFields, type PasswordHashCheck } from './password-fields';
import { parseJsonSafely, isPlainObject } from './safe-json';
import type { ImportOrganizationAccess, RawRow } from './types';

/**
 * Keycloak realm exports (`kc.sh export --users realm_file`: `{"realm":…, "users":[…]}`),
 * users files (`different_files`/`same_file`: `{"realm":…, "users":[…]}`), and
 * all-realms files (`[{realm…}, …]`). One UserRepresentation per user.
 */
export const KeycloakUserSchema = z.object({
  id: z.string().nullish(),
  username: z.string().nullish(),
  email: z.string().nullish(),
  emailVerified: z.boolean().nullish(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  enabled: z.boolean().nullish(),
  serviceAccountClientId: z.string().nullish(),
  attributes: z.record(z.string(), z.array(z.string()).or(z.string())).nullish(),
  credentials: z
    .array(
      z.object({
        type: z.string().nullish(),
        secretData: z.string().nullish(),
        credentialData: z.string().nullish(),
      }),
    )
    .nullish(),
  requiredActions: z.array(z.string()).nullish(),
  realmRoles: z.array(z.string()).nullish(),
  clientRoles: z.record(z.string(), z.array(z.string())).nullish(),
  groups: z.array(z.string()).nullish(),
  federatedIdentities: z.array(z.object({ identityProvider: z.string(), userId: z.string().nullish() })).nullish(),
});

/** Roles every Keycloak user holds by default, and built-in clients: they mean nothing in Roster. */
const BUILT_IN_ROLE = /^(?:default-roles-.+|offline_access|uma_authorization)$/;
const BUILT_IN_CLIENTS: ReadonlySet<string> = new Set(['account', 'account-console', 'realm-management', 'broker', 'admin-cli', 'security-admin-console']);

/** RFC 4648 base64 → passlib's "ab64" (`.` for `+`, no padding). */
function ab64(b64: string): string {
  return b64.replace(/=+$/, '').replace(/\+/g, '.');
}

/** base64 without padding, for PHC strings. */
function phc64(b64: string): string {
  return b64.replace(/=+$/, '');
}

function first(attr: string[] | string | undefined): string | undefined {
  return Array.isArray(attr) ? attr[0] : attr;
}

/**
 * A Keycloak password credential as a self-describing hash Roster stores:
 * pbkdf2 family → passlib `$pbkdf2[-sha256|-sha512]$<iterations>$<ab64 salt>$<ab64 hash>`;
 * argon2 (Keycloak 24+'s default) → the PHC string `$argon2<type>$v=19$m=…,t=…,p=…$salt$hash`.
 */
export function keycloakCredentialHash(secretData: string, credentialData: string): { hash: string; method: 'pbkdf2' | 'argon2' } | { reason: string } {
  let secret: unknown;
  let data: unknown;
  try {
    secret = parseJsonSafely(secretData);
    data = parseJsonSafely(credentialData);
  } catch {
    return { reason: "the credential's secretData or credentialData is not JSON" };
  }
  if (!isPlainObject(secret) || !isPlainObject(data)) return { reason: "the credential's secretData or credentialData is not an object" };
  const value = secret.value;
  const salt = secret.salt;
  const algorithm = typeof data.algorithm === 'string' ? data.algorithm : '';
  const iterations = data.hashIterations;
  if (typeof value !== 'string' || typeof salt !== 'string' || value === '' || salt === '') return { reason: 'the credential has no hash value or salt' };
  if (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < 1) return { reason: 'the credential has no valid hashIterations' };
  const prefixes: Record<string, string> = { pbkdf2: '$pbkdf2$', 'pbkdf2-sha256': '$pbkdf2-sha256$', 'pbkdf2-sha512': '$pbkdf2-sha512$' };
  const prefix = Object.hasOwn(prefixes, algorithm) ? prefixes[algorithm] : undefined;
  if (prefix) return { hash: `${prefix}${iterations}$${ab64(salt)}$${ab64(value)}`, method: 'pbkdf2' };
  if (algorithm === 'argon2') {
    const extra = isPlainObject(data.additionalParameters) ? data.additionalParameters : {};
    const param = (k: string, dflt: string): string => {
      const v = extra[k];
      return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : dflt;
    };
    const type = param('type', 'id');
    const version = param('version', '1.3') === '1.0' ? 16 : 19;
    if (!['id', 'i', 'd'].includes(type)) return { reason: `argon2 type "${type.slice(0, 10)}" is not supported` };
    return { hash: `$argon2${type}$v=${version}$m=${param('memory', '7168')},t=${iterations},p=${param('parallelism', '1')}$${phc64(salt)}$${phc64(value)}`, method: 'argon2' };
  }
  return { reason: `Keycloak hash algorithm "${algorithm.slice(0, 30)}" is not supported (pbkdf2, pbkdf2-sha256, pbkdf2-sha512, argon2)` };
}

export function mapKeycloakUser(value: unknown, line: number, raw: RawRow, checkHash: PasswordHashCheck | undefined): RowDraft {
  const d = newDraft('user', line, raw);
  const parsed = KeycloakUserSchema.safeParse(value);
  if (!parsed.success) {
    d.errors.push({ code: 'MALFORMED_JSON', field: parsed.error.issues[0]?.path.map(String).join('.') || null, message: describeZodError(parsed.error) });
    return d;
  }
  const u = parsed.data;
  if (u.serviceAccountClientId) {
    d.errors.push({ code: 'INVALID_FIELD', field: 'serviceAccountClientId', message: 'A Keycloak service-account user belongs to a client, not a person; create an M2M client in Roster instead.' });
    return d;
  }
  if (u.id) d.providedId = u.id.trim();
  if (u.firstName?.trim()) d.firstName = u.firstName.trim();
  if (u.lastName?.trim()) d.lastName = u.lastName.trim();
  const actions = u.requiredActions ?? [];
  addEmail(d, u.email, 'email', actions.includes('VERIFY_EMAIL') ? false : (u.emailVerified ?? undefined));
  // Keycloak usernames are often the email: then the email identity is enough.
  if (u.username && u.username.trim().toLowerCase() !== (u.email ?? '').trim().toLowerCase()) addUsername(d, u.username, 'username', d.identities.length > 0);
  const phone = first(u.attributes?.phoneNumber ?? u.attributes?.phone_number);
  if (phone) addPhone(d, phone, 'attributes.phoneNumber', first(u.attributes?.phoneNumberVerified) === 'true' ? true : undefined);
  for (const f of u.federatedIdentities ?? []) {
    const type = `oauth2:${f.identityProvider.toLowerCase()}`;
    if ((SOCIAL_IDENTITY_TYPES as readonly string[]).includes(type) && f.userId) {
      addIdentity(d, { type: type as ImportIdentityType, identity: f.userId.trim(), display: f.userId.trim(), provider: f.identityProvider });
    }
  }

  d.organizations = keycloakAccess(u.groups ?? [], u.realmRoles ?? [], u.clientRoles ?? {});
  if (d.organizations.length === 1 && d.organizations[0]!.externalId === null) {
    d.warnings.push({
      code: 'DEFAULT_ORGANIZATION_USED',
      field: 'groups',
      message: 'The user has roles but no group: the roles are applied in the default organization.',
    });
  }

  const password = (u.credentials ?? []).find((c) => c.type === 'password');
  if (password) {
    const hash = keycloakCredentialHash(password.secretData ?? '', password.credentialData ?? '');
    if ('reason' in hash) {
      d.warnings.push({ code: 'PASSWORD_NOT_IMPORTED', field: 'credentials', message: `Password not imported: ${hash.reason}. The user is imported and must reset their password.` });
    } else {
      const pw = checkPasswordFields({ hashedPassword: hash.hash, hashingMethod: hash.method }, checkHash);
      if (pw.kind === 'ok') d.password = pw.password;
      else if (pw.kind === 'not_imported')
        d.warnings.push({ code: 'PASSWORD_NOT_IMPORTED', field: 'credentials', message: `Password not imported: ${pw.reason}. The user is imported and must reset their password.` });
    }
  }
  if (actions.includes('UPDATE_PASSWORD')) d.passwordResetRequired = true;
  if (u.enabled === false) suspendAtSource(d, 'enabled', 'disabled in Keycloak');
  requireIdentity(d, 'email', 'no email, valid username, phoneNumber attribute or supported identity provider');
  return d;
}

/**
 * Groups → organizations: each top-level group (`/acme` and `/acme/engineering`
 * both mean `acme`) is an organization external id; Roster checks that it exists
 * (ORGANIZATION_NOT_FOUND otherwise). Realm roles keep their name as the role
 * key; client roles become `<clientId>:<role>`. The roles apply in every
 * organization of the user, or in the default organization when there is none.
 */
function keycloakAccess(groups: readonly string[], realmRoles: readonly string[], clientRoles: Readonly<Record<string, readonly string[]>>): ImportOrganizationAccess[] {
  const roles: string[] = [];
  for (const r of realmRoles) if (!BUILT_IN_ROLE.test(r) && !roles.includes(r)) roles.push(r);
  for (const [client, list] of Object.entries(clientRoles)) {
    if (BUILT_IN_CLIENTS.has(client)) continue;
    for (const r of list) if (!roles.includes(`${client}:${r}`)) roles.push(`${client}:${r}`);
  }
  const orgs: string[] = [];
  for (const g of groups) {
    const top = g.replace(/^\/+/, '').split('/')[0]?.trim();
    if (top && !orgs.includes(top)) orgs.push(top);
  }
  if (orgs.length === 0) return roles.length ? [{ externalId: null, roles, permissions: [], scopes: [] }] : [];
  return orgs.map((externalId) => ({ externalId, roles, permissions: [], scopes: [] }));
}
