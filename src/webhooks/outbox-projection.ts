import type { Knex } from 'knex';
import { evolveUser, initialUserState } from '../domain/user/state';
import { userEventSchemas, type UserEvent } from '../domain/user/events';
import { isWebhookEventType } from '../domain/webhook/events';
import type { RecordedEvent } from '../eventstore/types';
import type { Projection, TableNames } from '../projections/projection';
import { BLOCKED, lockQueueHeads, unblockQueueHeads } from './heads';
import { toKindeEvent, type KindeWebhookEvent, type MappingView, type OrganizationSnapshot, type PermissionSnapshot, type RoleSnapshot, type UserSnapshot } from './kinde-events';

/**
 * The webhook outbox. In the projector's transaction (the one that moves the
 * checkpoint) it turns each domain event into a Kinde webhook event and writes
 * one delivery row per subscribed webhook, so no event is lost and none is
 * queued twice: `webhook_events` and `webhook_deliveries` (migration
 * 0004_webhook_outbox) are inserted with ON CONFLICT DO NOTHING.
 *
 * Its own tables (rebuildable) hold what the payloads need: the webhooks'
 * configuration as of each point of the feed (a webhook receives the events
 * after its creation), and small snapshots of users, organizations, roles and
 * permissions (a user.updated carries the whole user, with role keys).
 *
 * Imported users (source `import`) reach only webhooks with include_imported_users:
 * "importing sends no notifications" unless asked.
 */
export const WEBHOOK_OUTBOX_PROJECTION = 'webhook_outbox';

/** A webhook's configuration row (the routes add delivery health to it). */
export interface ConfigRow {
  webhook_id: string;
  name: string;
  endpoint: string;
  event_types: string[];
  description: string | null;
  include_imported_users: boolean;
  created_on: string;
  deleted: boolean;
}

const isUserEvent = (e: RecordedEvent) => e.streamId.startsWith('user-') && Object.prototype.hasOwnProperty.call(userEventSchemas, e.type);

const RELEVANT_PREFIXES = ['user-', 'organization-', 'role-', 'permission-', 'subscriber-', 'import-', 'webhook-'];
const relevant = (e: RecordedEvent) => RELEVANT_PREFIXES.some((p) => e.streamId.startsWith(p));

function stripSecrets(state: UserSnapshot): UserSnapshot {
  if (state.status === 'none' || state.status === 'deleted') return state;
  const { password: _password, ...rest } = state;
  return rest;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function evolveRole(prev: RoleSnapshot | undefined, e: RecordedEvent): RoleSnapshot | undefined {
  const d = e.data as Record<string, unknown>;
  const id = e.streamId.slice('role-'.length);
  switch (e.type) {
    case 'RoleCreated':
      return { id, key: String(d.key), name: String(d.name), ...(typeof d.description === 'string' ? { description: d.description } : {}), isDefault: d.assignToNewUsers === true };
    case 'RoleUpdated': {
      if (!prev) return prev;
      const next: Record<string, unknown> = { ...prev };
      if (typeof d.key === 'string') next.key = d.key;
      if (typeof d.name === 'string') next.name = d.name;
      if (d.description === null) delete next.description;
      else if (typeof d.description === 'string') next.description = d.description;
      if (typeof d.assignToNewUsers === 'boolean') next.isDefault = d.assignToNewUsers;
      return next as unknown as RoleSnapshot;
    }
    case 'RoleDeleted':
      return prev ? { ...prev, deleted: true } : prev;
    default:
      return prev;
  }
}

function evolvePermission(prev: PermissionSnapshot | undefined, e: RecordedEvent): PermissionSnapshot | undefined {
  const d = e.data as Record<string, unknown>;
  const id = e.streamId.slice('permission-'.length);
  switch (e.type) {
    case 'PermissionCreated':
      return { id, key: String(d.key), name: String(d.name), ...(typeof d.description === 'string' ? { description: d.description } : {}) };
    case 'PermissionUpdated': {
      if (!prev) return prev;
      const next: Record<string, unknown> = { ...prev };
      if (typeof d.key === 'string') next.key = d.key;
      if (typeof d.name === 'string') next.name = d.name;
      if (d.description === null) delete next.description;
      else if (typeof d.description === 'string') next.description = d.description;
      return next as unknown as PermissionSnapshot;
    }
    case 'PermissionDeleted':
      return prev ? { ...prev, deleted: true } : prev;
    default:
      return prev;
  }
}

function evolveOrganization(prev: OrganizationSnapshot | undefined, e: RecordedEvent): OrganizationSnapshot | undefined {
  const d = e.data as Record<string, unknown>;
  const code = e.streamId.slice('organization-'.length);
  switch (e.type) {
    case 'OrganizationCreated':
      return { code, name: String(d.name), ...(typeof d.externalId === 'string' ? { externalId: d.externalId } : {}) };
    case 'OrganizationUpdated': {
      if (!prev) return prev;
      const next: Record<string, unknown> = { ...prev };
      if (typeof d.name === 'string') next.name = d.name;
      if (d.externalId === null) delete next.externalId;
      else if (typeof d.externalId === 'string') next.externalId = d.externalId;
      return next as unknown as OrganizationSnapshot;
    }
    case 'OrganizationDeleted':
      return prev ? { ...prev, deleted: true } : prev;
    default:
      return prev;
  }
}

function evolveConfig(prev: ConfigRow | undefined, e: RecordedEvent): ConfigRow | undefined {
  const d = e.data as Record<string, unknown>;
  const webhookId = e.streamId.slice('webhook-'.length);
  switch (e.type) {
    case 'WebhookCreated':
      return {
        webhook_id: webhookId,
        name: String(d.name),
        endpoint: String(d.endpoint),
        event_types: (d.eventTypes as string[]) ?? [],
        description: typeof d.description === 'string' ? d.description : null,
        include_imported_users: d.includeImportedUsers === true,
        created_on: e.metadata?.occurredAt ?? e.recordedAt.toISOString(),
        deleted: false,
      };
    case 'WebhookUpdated': {
      if (!prev) return prev;
      return {
        ...prev,
        ...(typeof d.name === 'string' ? { name: d.name } : {}),
        ...(typeof d.endpoint === 'string' ? { endpoint: d.endpoint } : {}),
        ...(Array.isArray(d.eventTypes) ? { event_types: d.eventTypes as string[] } : {}),
        ...(d.description === null ? { description: null } : typeof d.description === 'string' ? { description: d.description } : {}),
        ...(typeof d.includeImportedUsers === 'boolean' ? { include_imported_users: d.includeImportedUsers } : {}),
      };
    }
    case 'WebhookDeleted':
      return prev ? { ...prev, deleted: true } : prev;
    default:
      return prev;
  }
}

/** Which webhooks receive a mapped event (as configured at that point of the feed). */
export function webhooksFor(event: KindeWebhookEvent, configs: Iterable<Pick<ConfigRow, 'webhook_id' | 'event_types' | 'include_imported_users' | 'deleted'>>): string[] {
  const imported = event.source === 'import' && event.type.startsWith('user.');
  const out: string[] = [];
  for (const c of configs) {
    if (c.deleted || !c.event_types.includes(event.type)) continue;
    if (imported && !c.include_imported_users) continue;
    out.push(c.webhook_id);
  }
  return out;
}

async function loadJson<T>(db: Knex.Transaction, table: string, keyColumn: string, keys: readonly string[]): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for (const part of chunk(keys, 5000)) {
    const rows: Record<string, unknown>[] = await db(table).whereIn(keyColumn, part).select(keyColumn, 'state');
    for (const r of rows) out.set(String(r[keyColumn]), r.state as T);
  }
  return out;
}

async function saveJson(db: Knex.Transaction, table: string, keyColumn: string, entries: Map<string, unknown>, dirty: Set<string>) {
  const rows = [...dirty].filter((k) => entries.get(k) !== undefined).map((k) => ({ [keyColumn]: k, state: JSON.stringify(entries.get(k)) }));
  for (const part of chunk(rows, 2000)) await db(table).insert(part).onConflict(keyColumn).merge(['state']);
}

export function createWebhookOutboxProjection(): Projection {
  return {
    name: WEBHOOK_OUTBOX_PROJECTION,
    version: 1,
    tables: ['webhook_configs', 'webhook_user_snapshots', 'webhook_org_snapshots', 'webhook_role_snapshots', 'webhook_permission_snapshots', 'webhook_stream_revisions'],
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
        });
      }
      // The last revision applied per stream: replaying events already applied changes nothing.
      await db.schema.createTable(t('webhook_stream_revisions'), (table) => {
        table.text('stream_id').primary();
        table.bigInteger('last_revision').notNullable();
      });
    },
    async apply(db, events, t) {
      await applyOutbox(db, events.filter(relevant), t);
    },
  };
}

async function applyOutbox(db: Knex.Transaction, all: readonly RecordedEvent[], t: TableNames) {
  if (all.length === 0) return;
  const applied = new Map<string, number>();
  for (const part of chunk([...new Set(all.map((e) => e.streamId))], 5000)) {
    for (const r of await db<{ stream_id: string; last_revision: number | string }>(t('webhook_stream_revisions')).whereIn('stream_id', part).select('stream_id', 'last_revision'))
      applied.set(r.stream_id, Number(r.last_revision));
  }
  const events = all.filter((e) => e.revision > (applied.get(e.streamId) ?? -1));
  if (events.length === 0) return;
  const revisions = new Map<string, number>();
  for (const e of events) revisions.set(e.streamId, e.revision);
  for (const part of chunk(
    [...revisions].map(([stream_id, last_revision]) => ({ stream_id, last_revision })),
    2000,
  )) {
    await db(t('webhook_stream_revisions')).insert(part).onConflict('stream_id').merge(['last_revision']);
  }

  // 1. Load the state this batch needs, in a few queries.
  const configs = new Map<string, ConfigRow>();
  for (const r of (await db(t('webhook_configs')).select('*')) as ConfigRow[]) configs.set(r.webhook_id, r);
  const userIds = [...new Set(events.filter(isUserEvent).map((e) => e.streamId.slice('user-'.length)))];
  const users = await loadJson<UserSnapshot>(db, t('webhook_user_snapshots'), 'user_id', userIds);
  const needsAccess = events.some((e) => /^(user|role|permission)-/.test(e.streamId));
  const roles = new Map<string, RoleSnapshot>();
  const permissions = new Map<string, PermissionSnapshot>();
  if (needsAccess) {
    // Roles and permissions are few (tens to hundreds per environment): load them all.
    for (const r of await db<{ role_id: string; state: RoleSnapshot }>(t('webhook_role_snapshots')).select('role_id', 'state')) roles.set(r.role_id, r.state);
    for (const r of await db<{ permission_id: string; state: PermissionSnapshot }>(t('webhook_permission_snapshots')).select('permission_id', 'state')) permissions.set(r.permission_id, r.state);
  }
  const orgCodes = [...new Set(events.filter((e) => e.streamId.startsWith('organization-')).map((e) => e.streamId.slice('organization-'.length)))];
  const orgs = await loadJson<OrganizationSnapshot>(db, t('webhook_org_snapshots'), 'code', orgCodes);

  const dirty = { users: new Set<string>(), roles: new Set<string>(), permissions: new Set<string>(), orgs: new Set<string>(), configs: new Set<string>() };
  const view: MappingView = {
    user: (id) => users.get(id),
    role: (id) => {
      const r = roles.get(id);
      return r && !r.deleted ? r : undefined;
    },
    permission: (id) => {
      const p = permissions.get(id);
      return p && !p.deleted ? p : undefined;
    },
    organization: (code) => {
      const o = orgs.get(code);
      return o && !o.deleted ? o : undefined;
    },
  };

  // 2. Evolve, map, route: in feed order, so each payload is the state right after its event.
  const eventRows: Record<string, unknown>[] = [];
  const deliveryRows: { webhook_id: string; event_id: string; ordering_key: string }[] = [];
  for (const e of events) {
    if (isUserEvent(e)) {
      const id = e.streamId.slice('user-'.length);
      users.set(id, stripSecrets(evolveUser(users.get(id) ?? initialUserState(), { type: e.type, data: e.data } as UserEvent)));
      dirty.users.add(id);
    } else if (e.streamId.startsWith('role-')) {
      const id = e.streamId.slice('role-'.length);
      const next = evolveRole(roles.get(id), e);
      if (next) {
        roles.set(id, next);
        dirty.roles.add(id);
      }
    } else if (e.streamId.startsWith('permission-')) {
      const id = e.streamId.slice('permission-'.length);
      const next = evolvePermission(permissions.get(id), e);
      if (next) {
        permissions.set(id, next);
        dirty.permissions.add(id);
      }
    } else if (e.streamId.startsWith('organization-')) {
      const code = e.streamId.slice('organization-'.length);
      const next = evolveOrganization(orgs.get(code), e);
      if (next) {
        orgs.set(code, next);
        dirty.orgs.add(code);
      }
    } else if (e.streamId.startsWith('webhook-') && isWebhookEventType(e.type)) {
      const id = e.streamId.slice('webhook-'.length);
      const next = evolveConfig(configs.get(id), e);
      if (next) {
        configs.set(id, next);
        dirty.configs.add(id);
      }
      continue;
    }

    const mapped = toKindeEvent(e, view);
    if (!mapped) continue;
    const targets = webhooksFor(mapped, configs.values());
    // Imported users nobody asked for are not kept: a million-row import must not fill the outbox.
    if (mapped.source === 'import' && mapped.type.startsWith('user.') && targets.length === 0) continue;
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

  // 3. Write: snapshots, then events and deliveries (idempotent: a replay inserts nothing new).
  await saveJson(db, t('webhook_user_snapshots'), 'user_id', users, dirty.users);
  await saveJson(db, t('webhook_role_snapshots'), 'role_id', roles, dirty.roles);
  await saveJson(db, t('webhook_permission_snapshots'), 'permission_id', permissions, dirty.permissions);
  await saveJson(db, t('webhook_org_snapshots'), 'code', orgs, dirty.orgs);
  const configRows = [...dirty.configs].map((id) => configs.get(id)!);
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

/** The instance listed in src/all-projections.ts `allProjections`. */
export const webhookOutboxProjection: Projection = createWebhookOutboxProjection();
