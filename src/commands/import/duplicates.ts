import { importStream } from '../../domain/import/events';
import { reservationValue, streams } from '../../domain/streams';
import { uniqueKey, type EventStore, type RecordedEvent } from '../../eventstore/types';
import { foldEmail, usernameKey } from './duplicate-keys';
import { issue, type ImportIssue, type ImportRecord } from './parse';

/**
 * The dry run's duplicate report: POSSIBLE_DUPLICATE warnings on records that
 * are probably the same person as another record or an existing user, though
 * Roster's own keys (lowercased email, lowercased username, provided id) differ:
 *
 * 1. two records of the file whose emails are equal after NFKC + case folding;
 * 2. two records whose usernames have the same TR39 confusable skeleton;
 * 3. a record whose email (as written, or folded) an existing user holds under
 *    another provided id (or under none while the row has one);
 * 4. a provided id that an earlier import of the same migration brought from a
 *    different file (different checksum). "One migration" = the import jobs that
 *    share a `migration` name; jobs without one form the default migration.
 *
 * Warnings only: the dry run's plan is otherwise unchanged. Memory: one key per
 * email and username of the file (dry runs only).
 */
export interface DuplicateContext {
  readonly importId: string;
  readonly checksum: string;
  readonly migration: string | null;
}

interface Seen {
  readonly line: number;
  readonly userKey: string;
  readonly groupKey: string;
  readonly value: string;
}

export class DuplicateReport {
  readonly #emails = new Map<string, Seen>();
  readonly #usernames = new Map<string, Seen>();
  /** import id → its migration name (null: the default migration), or undefined for a job that is not an import. */
  readonly #migrations = new Map<string, string | null | undefined>();

  constructor(
    private readonly store: EventStore,
    private readonly ctx: DuplicateContext,
  ) {}

  /** The records with their POSSIBLE_DUPLICATE warnings added (same order). */
  async annotate(records: readonly ImportRecord[]): Promise<ImportRecord[]> {
    const extra = new Map<ImportRecord, ImportIssue[]>();
    const warn = (r: ImportRecord, field: string, message: string): void => {
      const list = extra.get(r) ?? [];
      list.push(issue(r.lines[0] ?? 0, 'POSSIBLE_DUPLICATE', field, message, r.userKey));
      extra.set(r, list);
    };

    // 1-2. Within the file.
    for (const r of records) {
      if (r.kind !== 'user') continue;
      for (const i of r.identities) {
        if (i.type === 'email')
          this.#inFile(this.#emails, foldEmail(i.identity), r, i.display, (prev) =>
            warn(r, 'email', `The email ${i.display} equals ${prev.value} (line ${prev.line}, ${prev.userKey}) after case folding and Unicode NFKC: probably the same person.`),
          );
        if (i.type === 'username')
          this.#inFile(this.#usernames, usernameKey(i.display), r, i.display, (prev) =>
            warn(r, 'username', `The username ${i.display} looks like ${prev.value} (line ${prev.line}, ${prev.userKey}): their Unicode confusable skeletons are equal.`),
          );
      }
    }

    // 3-4. Against existing users.
    const users = records.filter((r) => r.kind === 'user');
    const emailKeys = new Map<string, { record: ImportRecord; email: string; folded: boolean }[]>();
    for (const r of users) {
      for (const i of r.identities) {
        if (i.type !== 'email') continue;
        const folded = foldEmail(i.identity);
        for (const [value, isFolded] of [
          [i.identity, false],
          [folded, true],
        ] as const) {
          if (isFolded && folded === i.identity) continue;
          const list = emailKeys.get(value) ?? [];
          list.push({ record: r, email: i.display, folded: isFolded });
          emailKeys.set(value, list);
        }
      }
    }
    const idKeys = users.filter((r) => r.providedId !== undefined);
    const held = await this.store.uniqueOwners([
      ...[...emailKeys.keys()].map((v) => ({ kind: 'email', value: reservationValue('email', v) })),
      ...idKeys.map((r) => ({ kind: 'provided_id', value: r.providedId! })),
    ]);
    const emailOwner = (value: string) => held.get(uniqueKey('email', reservationValue('email', value))) ?? null;
    const idOwner = (providedId: string) => held.get(uniqueKey('provided_id', providedId)) ?? null;
    const owners = new Set<string>();
    for (const [value] of emailKeys) {
      const o = emailOwner(value);
      if (o) owners.add(o);
    }
    for (const r of idKeys) {
      const o = idOwner(r.providedId!);
      if (o) owners.add(o);
    }
    if (owners.size === 0) return this.#merge(records, extra);
    const userStreams = await this.store.readStreams([...owners].map((id) => streams.user(id)));
    const profile = (userId: string) => describeUser(userStreams.get(streams.user(userId)) ?? []);

    for (const [value, uses] of emailKeys) {
      const owner = emailOwner(value);
      if (!owner) continue;
      const existing = profile(owner);
      for (const u of uses) {
        const sameId = u.record.providedId !== undefined && existing.providedId === u.record.providedId;
        if (sameId) continue;
        // Found under the exact email: only a different provided id makes it a second person.
        if (!u.folded && u.record.providedId === undefined) continue;
        const held = existing.providedId !== undefined ? `under provided id ${existing.providedId}` : 'without a provided id';
        warn(u.record, 'email', `The email ${u.email} is already held${u.folded ? ' (after case folding and NFKC)' : ''} by existing user ${owner} ${held}: probably the same person.`);
      }
    }

    for (const r of idKeys) {
      const owner = idOwner(r.providedId!);
      if (!owner) continue;
      const from = profile(owner).importedFrom;
      if (!from || from.importId === this.ctx.importId || from.checksum === this.ctx.checksum) continue;
      if ((await this.#migrationOf(from.importId)) !== this.ctx.migration) continue;
      warn(r, 'id', `The id ${r.providedId} was already imported from another file of this migration (import ${from.importId}, line ${from.line}) as user ${owner}.`);
    }
    return this.#merge(records, extra);
  }

  #inFile(map: Map<string, Seen>, key: string, r: ImportRecord, value: string, onDuplicate: (prev: Seen) => void): void {
    const prev = map.get(key);
    if (prev === undefined) {
      map.set(key, { line: r.lines[0] ?? 0, userKey: r.userKey, groupKey: r.groupKey, value });
      return;
    }
    if (prev.groupKey !== r.groupKey) onDuplicate(prev);
  }

  async #migrationOf(importId: string): Promise<string | null | undefined> {
    if (!this.#migrations.has(importId)) {
      const events = await this.store.readStreams([importStream(importId)]);
      const queued = events.get(importStream(importId))?.find((e) => e.type === 'ImportQueued');
      const m = (queued?.data as { migration?: string } | undefined)?.migration;
      this.#migrations.set(importId, queued ? (m ?? null) : undefined);
    }
    return this.#migrations.get(importId);
  }

  #merge(records: readonly ImportRecord[], extra: Map<ImportRecord, ImportIssue[]>): ImportRecord[] {
    return records.map((r) => {
      const w = extra.get(r);
      return w ? { ...r, warnings: [...r.warnings, ...w] } : r;
    });
  }
}

/** An existing user's provided id and the import that first wrote it, from its stream. */
function describeUser(events: readonly RecordedEvent[]): { providedId?: string; importedFrom?: { importId: string; checksum: string; line: number } } {
  let providedId: string | undefined;
  let importedFrom: { importId: string; checksum: string; line: number } | undefined;
  for (const e of events) {
    const data = e.data as { providedId?: unknown };
    if (providedId === undefined && typeof data?.providedId === 'string') providedId = data.providedId;
    const imp = e.metadata.import;
    if (importedFrom === undefined && e.type === 'UserImported' && imp) importedFrom = { importId: imp.id, checksum: imp.checksum, line: imp.lines[0] ?? 0 };
  }
  return { ...(providedId !== undefined ? { providedId } : {}), ...(importedFrom ? { importedFrom } : {}) };
}
