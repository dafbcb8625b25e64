import { hash } from 'node:crypto';
import { DomainError } from '../../domain/errors';
import { emptyCounts, importStream, type ImportCounts, type ImportIssueData } from '../../domain/import/events';
import type { ReservationKind } from '../../domain/reservation/events';
import { reservationValue, streams } from '../../domain/streams';
import { userDecider } from '../../domain/user/decider';
import type { UserEvent } from '../../domain/user/events';
import type { ImportMode, ImportRecord as DomainImportRecord } from '../../domain/user/import';
import { identityReservation, userReservationChanges } from '../../domain/user/reservations';
import { isUniqueValueTaken, isWrongExpectedRevision, uniqueKey, type EventStore, type StreamAppend, type UniqueKey } from '../../eventstore/types';
import type { CommandContext } from '../context';
import { foldRecorded, toEventData, uniquesFor } from '../handle';
import { decideGroup } from './decide-group';
import { importFingerprint, isFixedPoint } from './fingerprint';
import { resolveLookups, type LookupCache } from './lookups';
import type { FailedRow, ImportIssue, ImportRecord } from './parse';
import { toDomainRecord } from './to-domain-record';

/**
 * The apply step of an import: one batch of parsed records -> decisions -> ONE
 * multi-stream append (user events with the unique values they claim, and the
 * job's batch report together), never a round trip per row.
 *
 * Idempotency comes from the events: a new user's id is derived from its user key
 * and event ids from (stream, revision, type, data), so re-running an import —
 * after a crash, or to fix failed rows — appends nothing for users already
 * imported and unchanged.
 */
export interface ApplyJob {
  readonly importId: string;
  readonly mode: ImportMode;
  readonly dryRun: boolean;
  /** Base context: actor `import`, source `import`, provenance without lines. */
  readonly ctx: CommandContext;
  readonly defaultOrgCode: string;
}

export interface BatchOutcome {
  readonly counts: ImportCounts;
  readonly issues: ImportIssueData[];
  readonly failedRows: { line: number; text: string; fields?: string[] }[];
  /** Revision of the job stream after the batch's append. */
  readonly jobRevision: number;
  readonly position: string | null;
}

/** One parsed batch, numbered within its job. */
export interface ParsedBatch {
  readonly records: readonly ImportRecord[];
  readonly failed: readonly FailedRow[];
  readonly batchNo: number;
  readonly rowsRead: number;
  readonly bytesRead: number;
}

const newUserId = (userKey: string) => `kp_${hash('sha256', `roster-import-user\u0000${userKey}`, 'hex').slice(0, 32)}`;

function toIssue(i: ImportIssue): ImportIssueData {
  return { line: i.line, severity: i.severity, code: i.code, field: i.field, message: i.message, user_key: i.user_key };
}

interface Group {
  readonly records: ImportRecord[];
  readonly lines: number[];
  readonly warnings: ImportIssueData[];
  /** The identity keys its records claim, normalized (`key`: the owners map's key). */
  readonly keys: ClaimedKey[];
}

interface ClaimedKey {
  readonly kind: ReservationKind;
  readonly value: string;
  readonly key: string;
  readonly field: string;
}

/** A group and the user it is (or the error that stops it). */
interface Plan {
  readonly group: Group;
  readonly userId: string;
  readonly failed?: ImportIssueData;
}

/** What a planned user's rows ask of it. */
interface Inputs {
  readonly streamId: string;
  readonly records: readonly DomainImportRecord[];
  readonly warnings: ImportIssueData[];
  readonly wantsReset: boolean;
  readonly fingerprint: string;
}

/** Identity keys a record claims, as (kind, reserved value, field name), added to `out`. */
function addClaimedKeys(r: ImportRecord, out: ClaimedKey[]): void {
  if (r.providedId !== undefined) out.push(claimedKey('provided_id', r.providedId, 'id'));
  for (const i of r.identities) {
    if (i.type === 'email' || i.type === 'username' || i.type === 'phone') out.push(claimedKey(i.type, i.identity, i.type));
    else {
      const k = identityReservation({ type: i.type, identity: i.identity });
      out.push(claimedKey(k.kind, k.value, 'identities'));
    }
  }
}

function claimedKey(kind: ReservationKind, raw: string, field: string): ClaimedKey {
  const value = reservationValue(kind, raw);
  return { kind, value, key: uniqueKey(kind, value), field };
}

/** A group that fails as a whole: every row counted failed and listed for the failed-rows file. */
function failGroup(group: Group, issue: ImportIssueData, out: { counts: ImportCounts; issues: ImportIssueData[]; failedRows: BatchOutcome['failedRows'] }): void {
  const rowCount = group.lines.length;
  out.counts.rows += rowCount;
  out.counts.rows_failed += rowCount;
  out.issues.push(issue);
  // The dry run's duplicate report explains a conflict: keep it beside the error.
  for (const w of group.warnings) if (w.code === 'POSSIBLE_DUPLICATE') out.issues.push(w);
  for (const r of group.records) for (const raw of r.raw) out.failedRows.push({ line: raw.line, text: raw.text, ...(raw.fields ? { fields: [...raw.fields] } : {}) });
}

/** A batch decided and ready to append: its outcome and the one multi-stream append. */
export interface PreparedBatch {
  readonly outcome: Omit<BatchOutcome, 'position'>;
  readonly appends: readonly StreamAppend[];
}

/**
 * Appends a prepared batch. If the append is refused because a user changed or a
 * key was claimed since the batch was decided (by another writer, or by the
 * previous batch of this job when the batch was decided while that one was being
 * written), the batch is decided again on fresh state and appended (bounded).
 */
export async function commitImportBatch(store: EventStore, job: ApplyJob, cache: LookupCache, batch: ParsedBatch, jobRevision: number, prepared: PreparedBatch): Promise<BatchOutcome> {
  let current = prepared;
  for (let attempt = 1; ; attempt++) {
    try {
      const results = await store.appendToStreams(current.appends);
      let position: string | null = null;
      for (const r of results) if (position === null || store.comparePositions(r.position, position) > 0) position = r.position;
      return { ...current.outcome, position };
    } catch (err) {
      const retry = (isWrongExpectedRevision(err) && err.streamId !== importStream(job.importId)) || isUniqueValueTaken(err);
      if (!retry || attempt >= 5) throw err;
      current = await prepareImportBatch(store, job, cache, batch, jobRevision);
    }
  }
}

/** Decides a batch on the store's current state, without writing anything. */
export async function prepareImportBatch(store: EventStore, job: ApplyJob, cache: LookupCache, batch: ParsedBatch, jobRevision: number): Promise<PreparedBatch> {
  const counts = emptyCounts();
  const issues: ImportIssueData[] = [];
  const failedRows: BatchOutcome['failedRows'] = [];

  // Rows the parser already failed.
  for (const f of batch.failed) {
    counts.rows += 1;
    counts.rows_failed += 1;
    f.errors.forEach((e) => issues.push(toIssue(e)));
    failedRows.push({ line: f.raw.line, text: f.raw.text, ...(f.raw.fields ? { fields: [...f.raw.fields] } : {}) });
  }

  await resolveLookups(store, cache, batch.records);

  // 1. Group the batch's records by user (consecutive rows are merged by the parser; a later row of the same user may follow).
  const groups = new Map<string, Group>();
  for (const r of batch.records) {
    let g = groups.get(r.groupKey);
    if (!g) groups.set(r.groupKey, (g = { records: [], lines: [], warnings: [], keys: [] }));
    g.records.push(r);
    for (const line of r.lines) g.lines.push(line);
    for (const w of r.warnings) g.warnings.push(toIssue(w));
    addClaimedKeys(r, g.keys);
  }

  // 2. Who owns the emails, usernames, phones and ids the batch touches?
  const keys = new Map<string, UniqueKey>();
  for (const g of groups.values()) for (const k of g.keys) keys.set(k.key, k);
  // Meanwhile, the heads of the streams the groups most likely are (the users an import created
  // from these keys): a re-import then finds its users' fingerprints without a second round trip.
  const derivedIds = new Map<Group, string>();
  for (const group of groups.values()) derivedIds.set(group, newUserId(group.records[0]!.userKey));
  const derivedStreams = new Set([...derivedIds.values()].map((id) => streams.user(id)));
  const [owners, heads] = await Promise.all([store.uniqueOwners([...keys.values()]), store.readStreamHeads([...derivedStreams])]);
  const owner = (kind: ReservationKind, value: string) => owners.get(uniqueKey(kind, reservationValue(kind, value))) ?? null;

  // 3. Which user is each group? An existing one (by provided id, else email, else phone/username), or a new one.
  const plans: Plan[] = [];
  for (const [, group] of groups) {
    const first = group.records[0]!;
    const byId = first.providedId !== undefined ? owner('provided_id', first.providedId) : null;
    const byEmail = first.email !== undefined ? owner('email', first.email) : null;
    const byOther = first.phone !== undefined ? owner('phone', first.phone) : first.username !== undefined ? owner('username', first.username) : null;
    const existing = byId ?? (first.providedId === undefined ? (byEmail ?? byOther) : null);
    const lineOf = first.lines[0] ?? 0;
    if (first.kind !== 'user' && !existing) {
      plans.push({
        group,
        userId: '',
        failed: {
          line: lineOf,
          severity: 'error',
          code: 'USER_NOT_FOUND',
          field: first.providedId !== undefined ? 'id' : 'email',
          message: `No user matches ${first.userKey}; import the user first`,
          user_key: first.userKey,
        },
      });
      continue;
    }
    const userId = existing ?? derivedIds.get(group)!;
    const clash = group.keys.find((k) => {
      const o = owners.get(k.key);
      return o !== undefined && o !== userId;
    });
    if (clash) {
      plans.push({
        group,
        userId,
        failed: {
          line: lineOf,
          severity: 'error',
          code: 'CONFLICT_EXISTING_USER',
          field: clash.field,
          message: `The ${clash.field === 'id' ? 'provided id' : clash.field === 'identities' ? `${clash.kind === 'social_identity' ? 'social' : 'enterprise'} identity` : clash.field} belongs to a different existing user`,
          user_key: first.userKey,
        },
      });
      continue;
    }
    plans.push({ group, userId });
  }

  // 4. Each user's rows as the decider sees them (warnings for what did not resolve), and their fingerprint.
  const inputs = new Map<Plan, Inputs>();
  for (const plan of plans) {
    if (plan.failed) continue;
    const { group } = plan;
    const warnings = [...group.warnings];
    // Disabled at the source (any of the group's rows says so): the decider suspends the user
    // with the first record (a new user; an existing active one only in mode update).
    const suspendedAtSource = group.records.find((r) => r.suspendedAtSource !== undefined)?.suspendedAtSource;
    const records = group.records.map((record, i) => {
      const domain = toDomainRecord(plan.userId, record, job, cache, warnings);
      return i === 0 && suspendedAtSource !== undefined ? { ...domain, suspendedAtSource } : domain;
    });
    const wantsReset = group.records.some((r) => r.passwordResetRequired);
    inputs.set(plan, { streamId: streams.user(plan.userId), records, warnings, wantsReset, fingerprint: importFingerprint(records, wantsReset, job.mode) });
  }

  // 5. A user whose newest event carries the same fingerprint is unchanged (fingerprint.ts); the
  // other existing users' streams are folded and their rows decided.
  const otherStreams = [...new Set([...inputs.values()].map((i) => i.streamId))].filter((s) => !derivedStreams.has(s));
  if (otherStreams.length) for (const [s, head] of await store.readStreamHeads(otherStreams)) heads.set(s, head);
  const unchanged = (i: Inputs) => heads.get(i.streamId)?.importFingerprint === i.fingerprint;
  const userStreams = await store.readStreams([...new Set([...inputs.values()].filter((i) => heads.has(i.streamId) && !unchanged(i)).map((i) => i.streamId))]);
  const appends: StreamAppend[] = [];
  const outcome = { counts, issues, failedRows };
  for (const plan of plans) {
    const { group } = plan;
    const input = inputs.get(plan);
    if (!input) {
      failGroup(group, plan.failed!, outcome);
      continue;
    }
    const { streamId, records, warnings, wantsReset, fingerprint } = input;
    const skip = unchanged(input);
    const loaded = foldRecorded(userDecider, skip ? [] : (userStreams.get(streamId) ?? []));
    const wasNew = !skip && loaded.state.status === 'none';
    let events: UserEvent[] = [];
    let stamp = false;
    if (!skip) {
      try {
        const decided = decideGroup(loaded.state, records, wantsReset, job.mode);
        events = decided.events;
        stamp = events.length > 0 && isFixedPoint(decided.state, records, wantsReset, job.mode);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        const first = group.records[0]!;
        const code = err.code === 'ENTERPRISE_IDENTITY_EXCLUSIVE' ? 'ENTERPRISE_IDENTITY_EXCLUSIVE' : err.code === 'IDENTITY_REQUIRED' ? 'MISSING_IDENTITY' : 'INVALID_FIELD';
        failGroup(group, { line: first.lines[0] ?? 0, severity: 'error', code, field: null, message: err.message, user_key: first.userKey }, outcome);
        continue;
      }
    }

    counts.rows += group.lines.length;
    if (warnings.length) {
      counts.rows_with_warnings += new Set(warnings.map((w) => w.line)).size;
      issues.push(...warnings);
    }
    if (wasNew) counts.users_created += 1;
    else if (events.length) counts.users_updated += 1;
    else if (job.mode === 'create_only') counts.users_skipped += 1;
    else counts.users_unchanged += 1;
    if (!events.length || job.dryRun) continue;

    const ctx: CommandContext = { ...job.ctx, import: { ...job.ctx.import!, lines: group.lines, ...(stamp ? { fingerprint } : {}) } };
    appends.push({
      streamId,
      expectedRevision: loaded.expectedRevision,
      events: toEventData(streamId, loaded.nextRevision, events, ctx),
      uniques: uniquesFor(plan.userId, events.flatMap(userReservationChanges)),
    });
  }

  // 6. One append (made by commitImportBatch): users (with their unique values) and the job's batch report.
  const jobStream = importStream(job.importId);
  const report = toEventData(
    jobStream,
    jobRevision + 1,
    [
      {
        type: 'ImportBatchProcessed',
        data: { importId: job.importId, batch: batch.batchNo, rowsRead: batch.rowsRead, bytesRead: batch.bytesRead, counts, issues, failedRows },
      },
    ],
    { ...job.ctx, import: undefined },
  );
  return { outcome: { ...outcome, jobRevision: jobRevision + 1 }, appends: [...appends, { streamId: jobStream, expectedRevision: jobRevision, events: report }] };
}
