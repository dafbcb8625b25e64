import { createHash } from 'node:crypto';
import { eventSchemas } from '../../domain/events';
import { streams } from '../../domain/streams';
import type { SignInFailureReason, UserEvent } from '../../domain/user/events';
import { evolveSignIn, findSignInIdentity, initialSignInState, isExistingUser, type SignInAttemptContext, type SignInState } from '../../domain/user/sign-in';
import { deterministicUuid } from '../../eventstore/ids';
import type { EventData, EventStore, RecordedEvent } from '../../eventstore/types';
import { metadataFor, type CommandContext } from '../context';
import { identityKey, MAX_IDENTITY_LENGTH } from './identity-key';
import { resolveIdentity } from './resolve-identity';

/**
 * Sign-in and the event store: the user as sign-in sees it, and the events
 * that record each attempt — on the user's stream, or on a per-identity
 * `sign_in_failure-<sha256>` stream when no user holds the identity. Event ids
 * are unique per attempt, so a retried append is deduplicated.
 */

export interface LoadedSignInState {
  readonly state: SignInState;
  readonly revision: number | 'no_stream';
}

export function foldSignIn(recorded: readonly RecordedEvent[]): LoadedSignInState {
  let state = initialSignInState();
  for (const r of recorded) state = evolveSignIn(state, { type: r.type, data: r.data } as UserEvent);
  const last = recorded.at(-1);
  return { state, revision: last ? last.revision : 'no_stream' };
}

export async function loadSignInState(store: EventStore, userId: string): Promise<LoadedSignInState> {
  return foldSignIn(await store.readStream(streams.user(userId)));
}

/** The per-identity stream where attempts on identities no user holds are recorded. */
export function signInFailureStream(identity: string): string {
  return `sign_in_failure-${createHash('sha256').update(identityKey(identity)).digest('hex').slice(0, 32)}`;
}

/** Events of one attempt: catalogue-checked data, metadata from the context, ids unique per attempt. */
export function toAttemptEvents(streamId: string, revision: number | 'no_stream', events: readonly UserEvent[], ctx: CommandContext, attemptId: string): EventData[] {
  const first = revision === 'no_stream' ? 0 : revision + 1;
  const metadata = metadataFor(ctx);
  return events.map((e, i) => {
    const data = eventSchemas[e.type].parse(e.data);
    return { id: deterministicUuid(streamId, String(first + i), e.type, attemptId), type: e.type, data, metadata };
  });
}

/** A failed attempt on an identity no user holds: `UserSignInFailed` (reason unknown_identity) on its own stream. */
export async function appendUnknownIdentityFailure(
  store: EventStore,
  identity: string,
  context: SignInAttemptContext,
  reason: SignInFailureReason,
  attemptId: string,
  ctx: CommandContext,
): Promise<void> {
  const streamId = signInFailureStream(identity);
  const value = identity.trim().slice(0, MAX_IDENTITY_LENGTH);
  const event: UserEvent = { type: 'UserSignInFailed', data: { ...context, ...(value ? { identity: value } : {}), reason } };
  const data = eventSchemas.UserSignInFailed.parse(event.data);
  await store.appendToStream(streamId, [{ id: deterministicUuid(streamId, event.type, attemptId), type: event.type, data, metadata: metadataFor(ctx) }], 'any');
}

/** A refusal decided before any verification (rate limited): recorded where the identity's attempts go. */
export async function recordRefusal(
  store: EventStore,
  identity: string,
  context: SignInAttemptContext,
  reason: SignInFailureReason,
  attemptId: string,
  contextFor: (userId?: string) => CommandContext,
): Promise<void> {
  const resolved = await resolveIdentity(store, identity);
  if (resolved) {
    const streamId = streams.user(resolved.userId);
    const { state } = await loadSignInState(store, resolved.userId);
    if (isExistingUser(state.user)) {
      const found = findSignInIdentity(state.user, resolved.kind, resolved.value);
      const event: UserEvent = {
        type: 'UserSignInFailed',
        data: {
          ...context,
          ...(found ? { identityId: found.id, identityType: found.type, identity: found.identity } : { identityType: resolved.kind, identity: resolved.value }),
          reason,
        },
      };
      // 'any': a refusal needs no decision on the user's state, only a record.
      const ctx = contextFor(resolved.userId);
      await store.appendToStream(
        streamId,
        [{ id: deterministicUuid(streamId, event.type, attemptId), type: event.type, data: eventSchemas.UserSignInFailed.parse(event.data), metadata: metadataFor(ctx) }],
        'any',
      );
      return;
    }
  }
  await appendUnknownIdentityFailure(store, identity, context, reason, attemptId, contextFor());
}
