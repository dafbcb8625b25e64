import type { OrganizationEvent } from '../../domain/organization/events';
import { organizationEventSchemas } from '../../domain/organization/events';
import { assertNever } from '../../domain/shared';
import { docProjection, eventTime } from '../support';

/** Organizations. Members are not here: they live on the users read model (`user_organizations`). */
export interface OrganizationDoc {
  code: string;
  name: string;
  external_id: string | null;
  is_default: boolean;
  default_role_ids: string[];
  properties: Record<string, string>;
  created_on: string;
  deleted: boolean;
}

const TYPES = new Set(Object.keys(organizationEventSchemas));

export const organizationsProjection = docProjection<OrganizationDoc>('organizations', 1, {
  table: 'organizations',
  streamPrefix: 'organization-',
  columns(table) {
    table.text('name');
    table.text('external_id');
    table.boolean('is_default');
    table.boolean('deleted');
    table.timestamp('created_on', { useTz: true });
  },
  async setupExtra(db, t) {
    await db.raw('create index ?? on ?? (external_id)', [`${t('organizations')}_ext_idx`, t('organizations')]);
  },
  evolve(doc, recorded, id) {
    if (!TYPES.has(recorded.type)) return doc;
    const event = { type: recorded.type, data: recorded.data } as OrganizationEvent;
    if (event.type === 'OrganizationCreated') {
      const d = event.data;
      return { code: id, name: d.name, external_id: d.externalId ?? null, is_default: d.isDefault, default_role_ids: [], properties: {}, created_on: eventTime(recorded), deleted: false };
    }
    if (!doc) return doc;
    switch (event.type) {
      case 'OrganizationUpdated':
        return { ...doc, name: event.data.name ?? doc.name, external_id: event.data.externalId === undefined ? doc.external_id : event.data.externalId };
      case 'OrganizationDefaultRolesSet':
        return { ...doc, default_role_ids: [...event.data.roleIds] };
      case 'OrganizationPropertySet': {
        const properties = { ...doc.properties };
        if (event.data.value === null) delete properties[event.data.key];
        else properties[event.data.key] = event.data.value;
        return { ...doc, properties };
      }
      case 'OrganizationDeleted':
        return { ...doc, deleted: true };
      default:
        return assertNever(event, 'organization event');
    }
  },
  row: (doc) => ({ name: doc.name, external_id: doc.external_id, is_default: doc.is_default, deleted: doc.deleted, created_on: doc.created_on }),
});
