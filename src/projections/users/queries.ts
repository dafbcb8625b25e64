import type { Knex } from 'knex';
import { queryError } from '../../domain/errors';
import { viewName } from '../projection';
import { rolesProjection } from '../roles/projection';
import { clampPageSize, decodeToken, encodeToken } from '../support';
import { usersProjection } from './projection';
import { USER_IMPORTS_VIEW } from '../user-imports/projection';
import { fragmentPattern, MIN_FRAGMENT_LENGTH, USER_SEARCH_TEXT } from './search';

/**
 * The users list (`GET /api/v1/users`) and the names of the users tables other queries read.
 * One user (`GET /api/v1/user`) is read from its stream, not from here: src/projections/time-travel/user-view.ts.
 */

export const USERS_VIEW = viewName(usersProjection, 'users');
export const USER_IDENTITIES_VIEW = viewName(usersProjection, 'user_identities');
export const USER_ORGANIZATIONS_VIEW = viewName(usersProjection, 'user_organizations');
const ROLES_VIEW = viewName(rolesProjection, 'roles');

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
