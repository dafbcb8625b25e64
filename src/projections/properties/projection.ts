import type { PropertyEvent } from '../../domain/property/events';
import { propertyEventSchemas } from '../../domain/property/events';
import { assertNever } from '../../domain/shared';
import { docProjection, eventTime } from '../support';

/** Property definitions (Kinde `GET /properties`); the stream id is `property-<key>`. */
export interface PropertyDoc {
  id: string;
  key: string;
  name: string;
  description: string | null;
  type: string;
  context: string;
  is_private: boolean;
  created_on: string;
  deleted: boolean;
}

const TYPES = new Set(Object.keys(propertyEventSchemas));

export const propertiesProjection = docProjection<PropertyDoc>('property_definitions', 1, {
  table: 'property_definitions',
  streamPrefix: 'property-',
  columns(table) {
    table.text('key');
    table.text('context');
    table.boolean('deleted');
  },
  evolve(doc, recorded, id) {
    if (!TYPES.has(recorded.type)) return doc;
    const event = { type: recorded.type, data: recorded.data } as PropertyEvent;
    if (event.type === 'PropertyDefined') {
      const d = event.data;
      return { id, key: d.key, name: d.name, description: d.description ?? null, type: d.type, context: d.context, is_private: d.isPrivate, created_on: eventTime(recorded), deleted: false };
    }
    if (!doc) return doc;
    switch (event.type) {
      case 'PropertyDefinitionUpdated': {
        const d = event.data;
        return { ...doc, name: d.name ?? doc.name, description: d.description === undefined ? doc.description : d.description, is_private: d.isPrivate ?? doc.is_private };
      }
      case 'PropertyDefinitionDeleted':
        return { ...doc, deleted: true };
      default:
        return assertNever(event, 'property event');
    }
  },
  row: (doc) => ({ key: doc.key, context: doc.context, deleted: doc.deleted }),
});
