import type { Knex } from 'knex';
import { viewName } from '../projection';
import { businessSettingsProjection } from '../business-settings/projection';
import { clampPageSize, decodeToken, encodeToken } from '../support';
import { USERS_VIEW } from './queries';

const SETTINGS_VIEW = viewName(businessSettingsProjection, 'business_settings');

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
