import type { Knex } from 'knex';
import { viewName } from '../projection';
import { propertiesProjection, type PropertyDoc } from './projection';

export const PROPERTY_DEFINITIONS_VIEW = viewName(propertiesProjection, 'property_definitions');

/** `GET /api/v1/properties`: Kinde's property shape, optionally one context (`usr`, `org`, `app`). */
export async function listPropertyDefinitions(knex: Knex, p: { context?: string } = {}) {
  const q = knex(PROPERTY_DEFINITIONS_VIEW).select('doc').where('deleted', false).orderBy('key');
  if (p.context) q.where('context', p.context);
  const rows = (await q) as { doc: PropertyDoc }[];
  return {
    code: 'OK',
    message: 'Success',
    properties: rows.map(({ doc: d }) => ({ id: d.id, key: d.key, name: d.name, description: d.description, type: d.type, context: d.context, is_private: d.is_private, is_kinde_property: false })),
    has_more: false,
  };
}
