import type { Knex } from 'knex';
import { viewName } from '../projection';
import { clampPageSize, decodeToken, encodeToken } from '../support';
import { permissionsProjection, type PermissionDoc } from './projection';

export const PERMISSIONS_VIEW = viewName(permissionsProjection, 'permissions');

/** Kinde's `permissions` item. */
export interface PermissionItem {
  id: string;
  key: string;
  name: string;
  description: string | null;
}

const item = (d: PermissionDoc): PermissionItem => ({ id: d.id, key: d.key, name: d.name, description: d.description });

/** `GET /api/v1/permissions`: by key (then id), keyset pagination. */
export async function listPermissions(knex: Knex, p: { page_size?: number | string; next_token?: string } = {}) {
  const size = clampPageSize(p.page_size, 10, 500);
  const after = decodeToken(p.next_token, 2);
  const q = knex(PERMISSIONS_VIEW)
    .select('id', 'key', 'doc')
    .where('deleted', false)
    .orderBy([{ column: 'key' }, { column: 'id' }])
    .limit(size + 1);
  if (after) q.whereRaw('(key, id) > (?, ?)', [String(after[0]), String(after[1])]);
  const rows = (await q) as { id: string; key: string; doc: PermissionDoc }[];
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  return { code: 'OK', message: 'Success', permissions: page.map((r) => item(r.doc)), next_token: rows.length > size && last ? encodeToken([last.key, last.id]) : null };
}
