import type { ReservationKind } from '../../domain/reservation/events';
import { uniqueKey, type EventStore } from '../../eventstore/types';
import type { ImportRecord } from './parse';

/** Caches of key -> id lookups (unique values), shared by the batches of one job. */
export class LookupCache {
  readonly orgs = new Map<string, string | null>();
  readonly roles = new Map<string, string | null>();
  readonly permissions = new Map<string, string | null>();
}

/** Resolves organization external ids, role keys and permission keys through the store's unique values. */
export async function resolveLookups(store: EventStore, cache: LookupCache, records: readonly ImportRecord[]) {
  const wanted: { kind: ReservationKind; key: string; map: Map<string, string | null> }[] = [];
  const want = (kind: ReservationKind, key: string, map: Map<string, string | null>) => {
    if (!map.has(key) && !wanted.some((w) => w.kind === kind && w.key === key)) wanted.push({ kind, key, map });
  };
  for (const r of records) {
    for (const o of r.organizations) {
      if (o.externalId !== null) want('org_external_id', o.externalId, cache.orgs);
      o.roles.forEach((k) => want('role_key', k, cache.roles));
      o.permissions.forEach((k) => want('permission_key', k, cache.permissions));
    }
  }
  if (!wanted.length) return;
  const owners = await store.uniqueOwners(wanted.map((w) => ({ kind: w.kind, value: w.key })));
  for (const w of wanted) w.map.set(w.key, owners.get(uniqueKey(w.kind, w.key)) ?? null);
}
