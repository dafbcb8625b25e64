import type { Knex } from 'knex';
import { viewName } from '../projection';
import { clampPageSize, decodeToken, encodeToken } from '../support';
import { subscribersProjection, type SubscriberDoc } from './projection';

export const SUBSCRIBERS_VIEW = viewName(subscribersProjection, 'subscribers');

/** Kinde's `subscribers_subscriber`. */
export interface SubscriberItem {
  id: string;
  email: string;
  full_name: string;
  first_name: string | null;
  last_name: string | null;
}

const item = (d: SubscriberDoc): SubscriberItem => ({
  id: d.id,
  email: d.email,
  full_name: [d.first_name, d.last_name].filter((x) => x).join(' '),
  first_name: d.first_name,
  last_name: d.last_name,
});

/** `GET /api/v1/subscribers`: by email (then id), keyset pagination; `search` matches the email prefix. */
export async function listSubscribers(knex: Knex, p: { page_size?: number | string; next_token?: string; search?: string } = {}) {
  const size = clampPageSize(p.page_size, 10, 500);
  const after = decodeToken(p.next_token, 2);
  const q = knex(SUBSCRIBERS_VIEW)
    .select('id', 'sort_email', 'doc')
    .where('deleted', false)
    .orderBy([{ column: 'sort_email' }, { column: 'id' }])
    .limit(size + 1);
  if (after) q.whereRaw('(sort_email, id) > (?, ?)', [String(after[0]), String(after[1])]);
  if (p.search) q.where('sort_email', 'like', `${p.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const rows = (await q) as { id: string; sort_email: string; doc: SubscriberDoc }[];
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  return { code: 'OK', message: 'Success', subscribers: page.map((r) => item(r.doc)), next_token: rows.length > size && last ? encodeToken([last.sort_email, last.id]) : null };
}
