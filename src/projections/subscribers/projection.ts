import type { SubscriberEvent } from '../../domain/subscriber/events';
import { subscriberEventSchemas } from '../../domain/subscriber/events';
import { assertNever } from '../../domain/shared';
import { docProjection, eventTime } from '../support';

export interface SubscriberDoc {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  /** Set when the subscriber was converted to a user (they stay a subscriber). */
  user_id: string | null;
  created_on: string;
  deleted: boolean;
}

const TYPES = new Set(Object.keys(subscriberEventSchemas));

export const subscribersProjection = docProjection<SubscriberDoc>('subscribers', 1, {
  table: 'subscribers',
  streamPrefix: 'subscriber-',
  columns(table) {
    table.text('email');
    table.text('sort_email');
    table.boolean('deleted');
  },
  async setupExtra(db, t) {
    await db.raw('create index ?? on ?? (sort_email, id)', [`${t('subscribers')}_email_idx`, t('subscribers')]);
  },
  evolve(doc, recorded, id) {
    if (!TYPES.has(recorded.type)) return doc;
    const event = { type: recorded.type, data: recorded.data } as SubscriberEvent;
    if (event.type === 'SubscriberAdded') {
      const d = event.data;
      return { id, email: d.email, first_name: d.firstName ?? null, last_name: d.lastName ?? null, user_id: null, created_on: eventTime(recorded), deleted: false };
    }
    if (!doc) return doc;
    switch (event.type) {
      case 'SubscriberConvertedToUser':
        return { ...doc, user_id: event.data.userId };
      case 'SubscriberDeleted':
        return { ...doc, deleted: true };
      default:
        return assertNever(event, 'subscriber event');
    }
  },
  row: (doc) => ({ email: doc.email, sort_email: doc.email.toLowerCase(), deleted: doc.deleted }),
});
