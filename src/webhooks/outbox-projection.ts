import type { EventStore } from '../eventstore/types';
import { viewName, type Projection } from '../projections/projection';
import { applyOutbox } from './outbox-apply';

/**
 * The webhook outbox. In the projector's transaction (the one that moves the
 * checkpoint) it turns each domain event a webhook subscribed to into a Kinde
 * webhook event and writes one delivery row per receiving webhook, so no event
 * is lost and none is queued twice: `webhook_events` and `webhook_deliveries`
 * (migration 0004_webhook_outbox) are inserted with ON CONFLICT DO NOTHING.
 *
 * Its own tables (rebuildable) hold what routing and payloads need: the
 * webhooks' configuration as of each point of the feed (outbox-configs.ts), and
 * snapshots of roles, permissions and organizations (outbox-snapshots.ts) and,
 * as a cache, of the users webhooks receive (outbox-user-snapshots.ts). The
 * batch itself is applied in outbox-apply.ts.
 *
 * `store` is read when a webhook receives an event of a user that has no
 * snapshot yet (its stream is folded up to that event).
 */
export const WEBHOOK_OUTBOX_PROJECTION = 'webhook_outbox';
const VERSION = 2;

/** The webhooks' configuration as the outbox folds it (the routes and the dispatcher read it). */
export const WEBHOOK_CONFIGS_VIEW = viewName({ version: VERSION }, 'webhook_configs');

export function createWebhookOutboxProjection(store: EventStore): Projection {
  return {
    name: WEBHOOK_OUTBOX_PROJECTION,
    version: VERSION,
    tables: ['webhook_configs', 'webhook_user_snapshots', 'webhook_org_snapshots', 'webhook_role_snapshots', 'webhook_permission_snapshots'],
    async setup(db, t) {
      await db.schema.createTable(t('webhook_configs'), (table) => {
        table.text('webhook_id').primary();
        table.text('name').notNullable();
        table.text('endpoint').notNullable();
        table.specificType('event_types', 'text[]').notNullable();
        table.text('description');
        table.boolean('include_imported_users').notNullable();
        table.text('created_on').notNullable();
        table.boolean('deleted').notNullable();
        table.integer('revision').notNullable();
        table.text('position').notNullable();
      });
      for (const [name, key] of [
        ['webhook_user_snapshots', 'user_id'],
        ['webhook_org_snapshots', 'code'],
        ['webhook_role_snapshots', 'role_id'],
        ['webhook_permission_snapshots', 'permission_id'],
      ] as const) {
        await db.schema.createTable(t(name), (table) => {
          table.text(key).primary();
          table.jsonb('state').notNullable();
          // The stream revision the state is folded to: replaying an event at or below it changes nothing.
          table.integer('revision').notNullable();
        });
      }
    },
    async apply(db, events, t) {
      await applyOutbox(db, store, events, t);
    },
  };
}
