import { z } from 'zod';

// The list endpoints' (lists.ts) shared query parameters and response shaping: paging, the users filters, Kinde's unset fields.

export const PageSize = z.coerce.number().int().min(1).max(500).optional();
export const NextToken = z.string().max(2000).optional();

/**
 * Roster's user filters (the admin console's users page), on both GET /api/v1/users
 * and GET /api/v1/search/users. An empty value means "no filter", as an HTML form sends it.
 */
export const optionalText = (max: number) =>
  z
    .string()
    .max(max)
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const optionalBool = z
  .enum(['true', 'false', ''])
  .optional()
  .transform((v) => (v === 'true' ? true : v === 'false' ? false : undefined));
export const UserFilters = {
  org_code: optionalText(100),
  role_key: optionalText(200),
  is_suspended: optionalBool,
  is_password_reset_requested: optionalBool,
  import_id: optionalText(100),
};
type UserFilterValues = { org_code?: string; role_key?: string; is_suspended?: boolean; is_password_reset_requested?: boolean; import_id?: string };
export const userFilters = (q: UserFilterValues) => ({
  ...(q.org_code !== undefined ? { org_code: q.org_code } : {}),
  ...(q.role_key !== undefined ? { role_key: q.role_key } : {}),
  ...(q.is_suspended !== undefined ? { is_suspended: q.is_suspended } : {}),
  ...(q.is_password_reset_requested !== undefined ? { is_password_reset_requested: q.is_password_reset_requested } : {}),
  ...(q.import_id !== undefined ? { import_id: q.import_id } : {}),
});

/** Kinde's schemas type these fields as plain strings: unset is left out, not null. */
export function withoutNulls<T extends object>(o: T, keepNull: readonly string[] = []): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null || keepNull.includes(k)) out[k] = v;
  return out as Partial<T>;
}

export const page = <T extends { next_token: string | null }>(r: T) => {
  const { next_token, ...rest } = r;
  return { ...rest, ...(next_token ? { next_token } : {}) };
};
