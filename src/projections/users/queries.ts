import type { Knex } from 'knex';
import { queryError } from '../../domain/errors';
import { viewName } from '../projection';
import { permissionsProjection } from '../permissions/projection';
import { rolesProjection } from '../roles/projection';
import { organizationsProjection } from '../organizations/projection';
import { businessSettingsProjection } from '../business-settings/projection';
import { clampPageSize, decodeToken, encodeToken, notFound } from '../support';
import { usersProjection, type UserDoc } from './projection';
import { USER_IMPORTS_VIEW } from '../user-imports/projection';
import { fragmentPattern, MIN_FRAGMENT_LENGTH, USER_SEARCH_TEXT } from './search';

export const USERS_VIEW = viewName(usersProjection, 'users');
export const USER_IDENTITIES_VIEW = viewName(usersProjection, 'user_identities');
export const USER_ORGANIZATIONS_VIEW = viewName(usersProjection, 'user_organizations');
const ROLES_VIEW = viewName(rolesProjection, 'roles');
const PERMISSIONS_VIEW = viewName(permissionsProjection, 'permissions');
const ORGANIZATIONS_VIEW = viewName(organizationsProjection, 'organizations');
const SETTINGS_VIEW = viewName(businessSettingsProjection, 'business_settings');

// ---- list ------------------------------------------------------------------------

/** Kinde's `users_response.users[]` item. */
export interface UserListItem {
  id: string;
  provided_id: string | null;
  email: string | null;
  phone: string | null;
  username: string | null;
  last_name: string | null;
  first_name: string | null;
  full_name: string;
  is_suspended: boolean;
  picture: string | null;
  total_sign_ins: number;
  failed_sign_ins: number;
  last_signed_in: string | null;
  created_on: string | null;
  is_password_reset_requested: boolean;
  organizations: string[];
  identities: { type: string; identity: string }[];
}

export type UserSort = 'name_asc' | 'name_desc' | 'email_asc' | 'email_desc' | 'id_asc' | 'id_desc';
export const USER_SORTS: readonly UserSort[] = ['name_asc', 'name_desc', 'email_asc', 'email_desc', 'id_asc', 'id_desc'];

export interface ListUsersParams {
  page_size?: number | string;
  next_token?: string;
  sort?: UserSort;
  /** Each accepts a comma-separated list (as Kinde's query strings do). */
  user_id?: string;
  email?: string;
  username?: string;
  phone?: string;
  provided_id?: string;
  org_code?: string;
  /** Any part of the id, provided id, email, username, phone or name (shorter than 3 characters: whole values). */
  query?: string;
  /** Users holding the role with this key (in `org_code` when given, else in any organization). */
  role_key?: string;
  is_suspended?: boolean;
  is_password_reset_requested?: boolean;
  /** Users created or changed by this import job. */
  import_id?: string;
  /** Include each user's identities (type + value). Default true. */
  with_identities?: boolean;
}

const list = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());

function listItem(r: Record<string, unknown>, identities: { type: string; identity: string }[]): UserListItem {
  return {
    id: String(r.id),
    provided_id: (r.provided_id as string) ?? null,
    email: (r.email as string) ?? null,
    phone: (r.phone as string) ?? null,
    username: (r.username as string) ?? null,
    last_name: (r.last_name as string) ?? null,
    first_name: (r.first_name as string) ?? null,
    full_name: (r.full_name as string) ?? '',
    is_suspended: Boolean(r.is_suspended),
    picture: (r.picture as string) ?? null,
    total_sign_ins: Number(r.total_sign_ins ?? 0),
    failed_sign_ins: Number(r.failed_sign_ins ?? 0),
    last_signed_in: iso(r.last_signed_in),
    created_on: iso(r.created_on),
    is_password_reset_requested: Boolean(r.is_password_reset_requested),
    organizations: (r.organizations as string[]) ?? [],
    identities,
  };
}

const SORT_COLUMN: Record<UserSort, [column: string | null, dir: 'asc' | 'desc']> = {
  name_asc: ['sort_name', 'asc'],
  name_desc: ['sort_name', 'desc'],
  email_asc: ['sort_email', 'asc'],
  email_desc: ['sort_email', 'desc'],
  id_asc: [null, 'asc'],
  id_desc: [null, 'desc'],
};

/**
 * `GET /api/v1/users`: filters, sort by name or email (then id), keyset
 * pagination. Every sort walks an index `(sort key, id)`, so a page costs the
 * same at row 10 and at row 1,000,000.
 */
export async function listUsers(knex: Knex, p: ListUsersParams = {}): Promise<{ code: 'OK'; message: 'Success'; users: UserListItem[]; next_token: string | null }> {
  const size = clampPageSize(p.page_size, 10, 500);
  const sort = p.sort ?? 'id_asc';
  if (!SORT_COLUMN[sort]) throw queryError('invalid', 'INVALID_REQUEST', `sort must be one of ${USER_SORTS.join(', ')}`);
  const [column, dir] = SORT_COLUMN[sort];
  const q = knex(`${USERS_VIEW} as u`).select('u.*').whereNot('u.status', 'deleted');
  const byIdentity = (type: string, values: string[]) =>
    q.whereIn(
      'u.id',
      knex(USER_IDENTITIES_VIEW)
        .select('parent_id')
        .where('type', type)
        .whereIn(
          'identity_lower',
          values.map((v) => v.trim().toLowerCase()),
        ),
    );
  if (p.user_id) q.whereIn('u.id', list(p.user_id));
  if (p.provided_id) q.whereIn('u.provided_id', list(p.provided_id));
  if (p.email) byIdentity('email', list(p.email));
  if (p.username) byIdentity('username', list(p.username));
  if (p.phone) byIdentity('phone', list(p.phone));
  if (p.org_code) q.whereRaw('u.organizations @> array[?]::text[]', [p.org_code]);
  if (p.query?.trim()) {
    const text = p.query.trim();
    if (text.length >= MIN_FRAGMENT_LENGTH) {
      // Unqualified columns: the expression must read exactly as the index's (search.ts).
      q.whereRaw(`${USER_SEARCH_TEXT} like ?`, [fragmentPattern(text)]);
    } else {
      q.where((w) => {
        w.where('u.id', text).orWhereIn('u.id', knex(USER_IDENTITIES_VIEW).select('parent_id').where('identity_lower', text.toLowerCase()));
      });
    }
  }
  if (p.role_key !== undefined) {
    const roleIds = knex(ROLES_VIEW).select('id').where('deleted', false).whereRaw("doc->>'key' = ?", [p.role_key]);
    const holders = knex(USER_ORGANIZATIONS_VIEW).select('parent_id').whereRaw('role_ids && array(?)', [roleIds]);
    if (p.org_code) holders.where('org_code', p.org_code);
    q.whereIn('u.id', holders);
  }
  if (p.is_suspended !== undefined) q.where('u.is_suspended', p.is_suspended);
  if (p.is_password_reset_requested !== undefined) q.where('u.is_password_reset_requested', p.is_password_reset_requested);
  if (p.import_id) q.whereIn('u.id', knex(USER_IMPORTS_VIEW).select('user_id').where('import_id', p.import_id));
  const op = dir === 'asc' ? '>' : '<';
  if (column) {
    const after = decodeToken(p.next_token, 2);
    if (after) q.whereRaw(`(u.${column}, u.id) ${op} (?, ?)`, [String(after[0]), String(after[1])]);
    q.orderBy([
      { column: `u.${column}`, order: dir },
      { column: 'u.id', order: dir },
    ]);
  } else {
    const after = decodeToken(p.next_token, 1);
    if (after) q.where('u.id', op, String(after[0]));
    q.orderBy('u.id', dir);
  }
  const rows = (await q.limit(size + 1)) as Record<string, unknown>[];
  const page = rows.slice(0, size);
  const identities = new Map<string, { type: string; identity: string }[]>();
  if (p.with_identities !== false && page.length > 0) {
    const ids = await knex<{ parent_id: string; type: string; identity: string; identity_id: string }>(USER_IDENTITIES_VIEW)
      .select('parent_id', 'type', 'identity')
      .whereIn(
        'parent_id',
        page.map((r) => String(r.id)),
      )
      .orderBy(['parent_id', 'identity_id']);
    for (const i of ids) {
      const l = identities.get(i.parent_id) ?? [];
      l.push({ type: i.type, identity: i.identity });
      identities.set(i.parent_id, l);
    }
  }
  const last = page[page.length - 1];
  return {
    code: 'OK',
    message: 'Success',
    users: page.map((r) => listItem(r, identities.get(String(r.id)) ?? [])),
    next_token: rows.length > size && last ? encodeToken(column ? [last[column], last.id] : [last.id]) : null,
  };
}

// ---- detail ----------------------------------------------------------------------

export interface UserDetail {
  id: string;
  provided_id: string | null;
  preferred_email: string | null;
  phone: string | null;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  full_name: string;
  picture: string | null;
  status: UserDoc['status'];
  is_suspended: boolean;
  suspension: UserDoc['suspension'];
  is_password_reset_requested: boolean;
  password: UserDoc['password'];
  total_sign_ins: number;
  failed_sign_ins: number;
  last_signed_in: string | null;
  created_on: string;
  updated_on: string;
  organizations: string[];
  identities: {
    id: string;
    type: string;
    identity: string;
    name: string;
    is_confirmed: boolean;
    is_primary: boolean;
    provider: string | null;
    created_on: string;
    total_logins: number;
    failed_logins: number;
    last_login_on: string | null;
  }[];
  organization_access: {
    org_code: string;
    name: string | null;
    joined_on: string;
    last_accessed_on: string | null;
    roles: { id: string; key: string; name: string }[];
    permissions: { id: string; key: string; name: string; via: 'direct' | 'role'; roles: string[] }[];
  }[];
  properties: Record<string, string>;
  feature_flags: Record<string, string>;
  mfa: UserDoc['mfa'];
  policies: UserDoc['policies'];
}

export interface Catalog {
  roles: Map<string, { id: string; key: string; name: string; permission_ids: string[] }>;
  permissions: Map<string, { id: string; key: string; name: string }>;
  organizations: Map<string, { code: string; name: string }>;
}

/** Live roles, permissions and organizations by id (deleted ones are absent, so they drop out of access). */
export async function loadCatalog(knex: Knex, ids: { roles: string[]; permissions: string[]; orgs: string[] }): Promise<Catalog> {
  const roles = (await knex(ROLES_VIEW).select('id', 'doc').where('deleted', false).whereIn('id', ids.roles)) as { id: string; doc: { key: string; name: string; permission_ids: string[] } }[];
  const permIds = new Set(ids.permissions);
  for (const r of roles) for (const p of r.doc.permission_ids) permIds.add(p);
  const perms = (await knex(PERMISSIONS_VIEW)
    .select('id', 'doc')
    .where('deleted', false)
    .whereIn('id', [...permIds])) as { id: string; doc: { key: string; name: string } }[];
  const orgs = (await knex(ORGANIZATIONS_VIEW).select('id', 'name').where('deleted', false).whereIn('id', ids.orgs)) as { id: string; name: string }[];
  return {
    roles: new Map(roles.map((r) => [r.id, { id: r.id, key: r.doc.key, name: r.doc.name, permission_ids: r.doc.permission_ids }])),
    permissions: new Map(perms.map((p) => [p.id, { id: p.id, key: p.doc.key, name: p.doc.name }])),
    organizations: new Map(orgs.map((o) => [o.id, { code: o.id, name: o.name }])),
  };
}

/** The detail of a user document (shared by the live read model and time travel). */
export function userDetailOf(doc: UserDoc, catalog: Catalog): UserDetail {
  const first = (type: string) => {
    const all = doc.identities.filter((i) => i.type === type);
    return (all.find((i) => i.is_primary) ?? all[0])?.identity ?? null;
  };
  return {
    id: doc.id,
    provided_id: doc.provided_id,
    preferred_email: first('email'),
    phone: first('phone'),
    username: first('username'),
    first_name: doc.first_name,
    last_name: doc.last_name,
    full_name: [doc.first_name, doc.last_name].filter((x) => x).join(' '),
    picture: doc.picture,
    status: doc.status,
    is_suspended: doc.status === 'suspended',
    suspension: doc.suspension,
    is_password_reset_requested: doc.is_password_reset_requested,
    password: doc.password,
    total_sign_ins: doc.total_sign_ins,
    failed_sign_ins: doc.failed_sign_ins,
    last_signed_in: doc.last_signed_in,
    created_on: doc.created_on,
    updated_on: doc.updated_on,
    organizations: Object.keys(doc.organizations).sort(),
    identities: doc.identities.map((i) => ({
      id: i.id,
      type: i.type,
      identity: i.identity,
      name: i.identity,
      is_confirmed: i.is_verified,
      is_primary: i.is_primary,
      provider: i.provider,
      created_on: i.created_on,
      total_logins: i.total_logins,
      failed_logins: i.failed_logins,
      last_login_on: i.last_login_on,
    })),
    organization_access: Object.entries(doc.organizations)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([org_code, m]) => {
        const roles = m.role_ids.map((id) => catalog.roles.get(id)).filter((r) => r !== undefined);
        const perms = new Map<string, { id: string; key: string; name: string; via: 'direct' | 'role'; roles: string[] }>();
        for (const id of m.permission_ids) {
          const p = catalog.permissions.get(id);
          if (p) perms.set(id, { ...p, via: 'direct', roles: [] });
        }
        for (const r of roles) {
          for (const id of r.permission_ids) {
            const p = catalog.permissions.get(id);
            if (!p) continue;
            const existing = perms.get(id) ?? { ...p, via: 'role' as const, roles: [] };
            perms.set(id, { ...existing, roles: [...existing.roles, r.key] });
          }
        }
        return {
          org_code,
          name: catalog.organizations.get(org_code)?.name ?? null,
          joined_on: m.joined_on,
          last_accessed_on: doc.last_organization_sign_ins[org_code] ?? null,
          roles: roles.map((r) => ({ id: r.id, key: r.key, name: r.name })),
          permissions: [...perms.values()].sort((a, b) => a.key.localeCompare(b.key)),
        };
      }),
    properties: doc.properties,
    feature_flags: doc.feature_flags,
    mfa: doc.mfa,
    policies: doc.policies,
  };
}

export function catalogIds(doc: UserDoc) {
  const ms = Object.values(doc.organizations);
  return { roles: [...new Set(ms.flatMap((m) => m.role_ids))], permissions: [...new Set(ms.flatMap((m) => m.permission_ids))], orgs: Object.keys(doc.organizations) };
}

/** `GET /api/v1/user?id=…`: the whole detail, or USER_NOT_FOUND (deleted users are not found). */
export async function getUser(knex: Knex, userId: string): Promise<UserDetail> {
  const row = await knex<{ id: string; status: string; doc: UserDoc }>(USERS_VIEW).select('doc').where('id', userId).whereNot('status', 'deleted').first();
  if (!row) throw notFound('USER_NOT_FOUND', `No user with id ${userId}`);
  const doc = row.doc;
  return userDetailOf(doc, await loadCatalog(knex, catalogIds(doc)));
}

// ---- policy acceptances -----------------------------------------------------------

export interface PolicyAcceptanceItem {
  user_id: string;
  email: string | null;
  full_name: string;
  accepted_on: string | null;
  accepted_url: string | null;
  accepted_version: string | null;
}

/**
 * `GET /api/v1/policy_acceptances?policy=terms|privacy&status=accepted|missing`:
 * who has (and has not) accepted the current version of a policy. The current
 * version is the policy URL in the business settings; an acceptance of another
 * URL counts as missing.
 */
export async function policyAcceptances(
  knex: Knex,
  policy: 'terms' | 'privacy',
  status: 'accepted' | 'missing',
  page: { page_size?: number | string; next_token?: string } = {},
): Promise<{ policy: string; current_url: string | null; status: string; users: PolicyAcceptanceItem[]; next_token: string | null }> {
  const settings = await knex<{ doc: { terms_url?: string | null; privacy_url?: string | null } | null }>(SETTINGS_VIEW).select('doc').first();
  const currentUrl: string | null = settings?.doc?.[policy === 'terms' ? 'terms_url' : 'privacy_url'] ?? null;
  const size = clampPageSize(page.page_size, 50, 500);
  const after = decodeToken(page.next_token, 1);
  const path = `{policies,${policy}}`;
  const q = knex(USERS_VIEW)
    .select('id', 'email', 'full_name', knex.raw('doc #> ? as acceptance', [path]))
    .whereNot('status', 'deleted')
    .orderBy('id')
    .limit(size + 1);
  // With no current URL, any acceptance counts.
  const acceptedSql = currentUrl === null ? '(doc #> ?) is not null' : '(doc #>> ?) = ?';
  const args = currentUrl === null ? [path] : [`{policies,${policy},url}`, currentUrl];
  if (status === 'accepted') q.whereRaw(acceptedSql, args);
  else q.whereRaw(`not coalesce(${acceptedSql}, false)`, args);
  if (after) q.where('id', '>', String(after[0]));
  const rows = (await q) as { id: string; email: string | null; full_name: string; acceptance: { url: string; version: string | null; accepted_on: string } | null }[];
  const pageRows = rows.slice(0, size);
  return {
    policy,
    current_url: currentUrl,
    status,
    users: pageRows.map((r) => ({
      user_id: r.id,
      email: r.email,
      full_name: r.full_name ?? '',
      accepted_on: r.acceptance?.accepted_on ?? null,
      accepted_url: r.acceptance?.url ?? null,
      accepted_version: r.acceptance?.version ?? null,
    })),
    next_token: rows.length > size ? encodeToken([pageRows[pageRows.length - 1]!.id]) : null,
  };
}
