import type { Knex } from 'knex';
import { queryError } from '../../domain/errors';
import { viewName } from '../projection';
import { USERS_VIEW } from '../users/queries';
import { roleGrantsProjection } from './projection';

export const ROLE_GRANTS_VIEW = viewName(roleGrantsProjection, 'role_grants');

export interface RoleHolder {
  id: string;
  email: string | null;
  full_name: string;
  granted_on: string;
  granted_by: { type: string; id: string | null; source: string };
  /** How the role came: `assigned`, `created` (with the user), `imported`, `joined` (default role of the organization). */
  granted_how: string;
  granted_event_id: string;
  /** When the grant ended (after `as_of`), or null when still held. */
  revoked_on: string | null;
}

const badTime = () => queryError('invalid', 'INVALID_REQUEST', 'as_of must be an ISO 8601 time');

/**
 * "Who had this role in this organization at that moment, and who gave it?":
 * the grants open at `asOf` (valid_from <= asOf < valid_to), oldest grant first.
 */
export async function roleHoldersAsOf(knex: Knex, orgCode: string, roleId: string, asOf: string): Promise<RoleHolder[]> {
  const t = new Date(asOf);
  if (Number.isNaN(t.getTime())) throw badTime();
  const rows = (await knex(`${ROLE_GRANTS_VIEW} as g`)
    .leftJoin(`${USERS_VIEW} as u`, 'u.id', 'g.user_id')
    .select('g.*', 'u.email', 'u.full_name')
    .where({ 'g.org_code': orgCode, 'g.role_id': roleId })
    .where('g.valid_from', '<=', t.toISOString())
    .where((q) => {
      q.whereNull('g.valid_to').orWhere('g.valid_to', '>', t.toISOString());
    })
    .orderBy([{ column: 'g.valid_from' }, { column: 'g.user_id' }])) as Record<string, unknown>[];
  return rows.map((r) => ({
    id: String(r.user_id),
    email: (r.email as string) ?? null,
    full_name: (r.full_name as string) ?? '',
    granted_on: new Date(r.valid_from as string).toISOString(),
    granted_by: { type: String(r.granted_by_type), id: (r.granted_by_id as string) ?? null, source: String(r.granted_source) },
    granted_how: String(r.how),
    granted_event_id: String(r.granted_event_id),
    revoked_on: r.valid_to ? new Date(r.valid_to as string).toISOString() : null,
  }));
}
