import type { Knex } from 'knex';
import { isWebhookEventType } from '../domain/webhook/events';
import type { EventStore, RecordedEvent } from '../eventstore/types';
import type { TableNames } from '../projections/projection';
import { BLOCKED, lockQueueHeads, unblockQueueHeads } from './heads';
import { carriesUser, kindeEventKind, type KindeEventKind } from './kinde-event-type';
import { toKindeEvent, type MappingView, type OrganizationSnapshot, type PermissionSnapshot, type RoleSnapshot } from './kinde-events';
import { evolveConfig, webhooksFor, type ConfigRow } from './outbox-configs';
import { chunk, evolveOrganization, evolvePermission, evolveRole, loadSnapshots, saveSnapshots, type Folded } from './outbox-snapshots';
import { foldUserEvent, foldUsersFromStore, newUser, type CachedUser } from './outbox-user-snapshots';

/**
 * One batch of the outbox (see outbox-projection.ts), in the projector's
 * transaction. It pays only for what a webhook receives:
 *
 * 1. Route: walk the batch with the webhooks' configuration as of each event
 *    (kinde-event-type.ts says what an event becomes, before any payload).
 * 2. Load the state the received events need: user snapshots (a cache; see
 *    outbox-user-snapshots.ts), and roles, permissions and organizations.
 * 3. Fold and map in feed order, so each payload is the state right after its
 *    event; only received events become webhook events and deliveries.
 * 4. Write snapshots, configs, events and deliveries (idempotent: ON CONFLICT DO NOTHING).
 *
 * Replays change nothing: each snapshot and config row carries the revision it
 * was folded to, and an event is not routed to a webhook whose configuration
 * changed after it (it was routed back then, with the configuration it had).
 */
const CATEGORIES = new Set(['user', 'organization', 'role', 'permission', 'subscriber', 'import', 'webhook']);
/** Streams whose snapshots the outbox keeps whether or not a webhook receives their events (they are few). */
const FOLDED = new Set(['role', 'permission', 'organization']);
const categoryOf = (streamId: string) => streamId.slice(0, Math.max(0, streamId.indexOf('-')));
const idOf = (e: RecordedEvent) => e.streamId.slice(e.streamId.indexOf('-') + 1);

interface Routed {
  readonly e: RecordedEvent;
  readonly kind: KindeEventKind | null;
  readonly targets: readonly string[];
}

export async function applyOutbox(db: Knex.Transaction, store: EventStore, batch: readonly RecordedEvent[], t: TableNames): Promise<void> {
  const events = batch.filter((e) => CATEGORIES.has(categoryOf(e.streamId)));
  if (events.length === 0) return;

  // ---- 1. Route ---------------------------------------------------------------------------
  const configs = new Map<string, ConfigRow>();
  for (const r of (await db(t('webhook_configs')).select('*')) as ConfigRow[]) configs.set(r.webhook_id, r);
  const dirtyConfigs = new Set<string>();
  // No webhook configured, ever (deleted ones keep their row), nor in this batch: no user
  // snapshot exists (one is made only for a webhook that receives the user's events),
  // so user events have nothing to fold or send — not even a snapshot to look up.
  const noWebhooks = configs.size === 0 && !events.some((e) => categoryOf(e.streamId) === 'webhook');
  const userIds = noWebhooks ? [] : [...new Set(events.filter((e) => categoryOf(e.streamId) === 'user').map(idOf))];
  const cached = await loadSnapshots<CachedUser['state']>(db, t('webhook_user_snapshots'), 'user_id', userIds);
  // Per user of the batch: its first revision here, and whether its snapshot is kept.
  const userPlans = new Map<string, { first: number; keep: boolean }>();
  const routed: Routed[] = [];
  const inForce = (e: RecordedEvent) => [...configs.values()].filter((c) => store.comparePositions(c.position, e.position) < 0);

  for (const e of events) {
    const category = categoryOf(e.streamId);
    if (category === 'webhook') {
      if (!isWebhookEventType(e.type)) continue;
      const prev = configs.get(idOf(e));
      if (prev && e.revision <= prev.revision) continue;
      const next = evolveConfig(prev, e);
      if (next) {
        configs.set(next.webhook_id, next);
        dirtyConfigs.add(next.webhook_id);
      }
      continue;
    }
    if (category === 'user' && noWebhooks) continue;
    const snapshot = category === 'user' ? cached.get(idOf(e)) : undefined;
    if (snapshot && e.revision <= snapshot.revision) continue; // folded already
    const kind = kindeEventKind(e);
    const targets = kind && configs.size > 0 ? webhooksFor(kind, inForce(e)) : [];
    if (category === 'user') {
      const id = idOf(e);
      let plan = userPlans.get(id);
      if (!plan) userPlans.set(id, (plan = { first: e.revision, keep: snapshot !== undefined }));
      if (kind && targets.length > 0 && carriesUser(kind.type)) plan.keep = true;
    } else if (!FOLDED.has(category) && targets.length === 0) {
      continue; // nothing to fold, nothing to send
    }
    routed.push({ e, kind, targets });
  }

  // ---- 2. Load the state the received events need ------------------------------------------
  const users = new Map<string, CachedUser>();
  const fromStore = new Map<string, number>();
  for (const [id, plan] of userPlans) {
    if (!plan.keep) continue;
    const snapshot = cached.get(id);
    if (snapshot && snapshot.revision === plan.first - 1) users.set(id, snapshot);
    else if (plan.first === 0) users.set(id, newUser());
    else fromStore.set(id, plan.first);
  }
  for (const [id, user] of await foldUsersFromStore(store, fromStore)) users.set(id, user);

  // A received user payload names role and permission keys.
  const needsAccess = routed.some(({ e, kind, targets }) => /^(role|permission)-/.test(e.streamId) || (kind && targets.length > 0 && carriesUser(kind.type)));
  const roles = needsAccess ? await loadSnapshots<RoleSnapshot>(db, t('webhook_role_snapshots'), 'role_id', 'all') : new Map<string, Folded<RoleSnapshot>>();
  const permissions = needsAccess ? await loadSnapshots<PermissionSnapshot>(db, t('webhook_permission_snapshots'), 'permission_id', 'all') : new Map<string, Folded<PermissionSnapshot>>();
  const orgCodes = [...new Set(routed.filter((r) => categoryOf(r.e.streamId) === 'organization').map((r) => idOf(r.e)))];
  const orgs = await loadSnapshots<OrganizationSnapshot>(db, t('webhook_org_snapshots'), 'code', orgCodes);

  const live = <T extends { deleted?: boolean }>(f: Folded<T> | undefined) => (f && !f.state.deleted ? f.state : undefined);
  const view: MappingView = {
    user: (id) => users.get(id)?.state,
    role: (id) => live(roles.get(id)),
    permission: (id) => live(permissions.get(id)),
    organization: (code) => live(orgs.get(code)),
  };

  // ---- 3. Fold and map, in feed order ------------------------------------------------------
  const dirty = { users: new Set<string>(), roles: new Set<string>(), permissions: new Set<string>(), orgs: new Set<string>() };
  /** Folds a role, permission or organization event; false when it was folded already. */
  const foldSmall = <T>(map: Map<string, Folded<T>>, dirtySet: Set<string>, e: RecordedEvent, evolve: (prev: T | undefined, e: RecordedEvent) => T | undefined) => {
    const id = idOf(e);
    const prev = map.get(id);
    if (prev && e.revision <= prev.revision) return false;
    const next = evolve(prev?.state, e);
    if (next) {
      map.set(id, { state: next, revision: e.revision });
      dirtySet.add(id);
    }
    return true;
  };
  const eventRows: Record<string, unknown>[] = [];
  const deliveryRows: { webhook_id: string; event_id: string; ordering_key: string }[] = [];
  for (const { e, kind, targets } of routed) {
    const category = categoryOf(e.streamId);
    if (category === 'user') {
      const id = idOf(e);
      const user = users.get(id);
      if (user) {
        users.set(id, foldUserEvent(user, e));
        dirty.users.add(id);
      }
    } else if (category === 'role') {
      if (!foldSmall(roles, dirty.roles, e, evolveRole)) continue;
    } else if (category === 'permission') {
      if (!foldSmall(permissions, dirty.permissions, e, evolvePermission)) continue;
    } else if (category === 'organization') {
      if (!foldSmall(orgs, dirty.orgs, e, evolveOrganization)) continue;
    }
    if (!kind || targets.length === 0) continue;
    const mapped = toKindeEvent(e, view);
    if (!mapped) continue;
    eventRows.push({
      event_id: mapped.event_id,
      domain_event_id: e.id,
      type: mapped.type,
      source: mapped.source,
      occurred_at: mapped.timestamp,
      payload: JSON.stringify(mapped),
      ordering_key: e.streamId,
    });
    for (const webhookId of targets) deliveryRows.push({ webhook_id: webhookId, event_id: mapped.event_id, ordering_key: e.streamId });
  }

  // ---- 4. Write ----------------------------------------------------------------------------
  await saveSnapshots(db, t('webhook_user_snapshots'), 'user_id', users, dirty.users);
  await saveSnapshots(db, t('webhook_role_snapshots'), 'role_id', roles, dirty.roles);
  await saveSnapshots(db, t('webhook_permission_snapshots'), 'permission_id', permissions, dirty.permissions);
  await saveSnapshots(db, t('webhook_org_snapshots'), 'code', orgs, dirty.orgs);
  const configRows = [...dirtyConfigs].map((id) => configs.get(id)!);
  for (const part of chunk(configRows, 500)) await db(t('webhook_configs')).insert(part).onConflict('webhook_id').merge();
  for (const part of chunk(eventRows, 1000)) await db('webhook_events').insert(part).onConflict('event_id').ignore();
  // Queued blocked; then each touched queue's head is made due (see heads.ts).
  for (const part of chunk(deliveryRows, 2000)) {
    await db('webhook_deliveries')
      .insert(part.map((d) => ({ ...d, next_attempt_at: BLOCKED })))
      .onConflict(['webhook_id', 'event_id'])
      .ignore();
  }
  if (deliveryRows.length > 0) {
    await lockQueueHeads(db);
    await unblockQueueHeads(db, deliveryRows);
  }
}
