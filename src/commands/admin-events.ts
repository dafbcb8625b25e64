import { randomUUID } from 'node:crypto';
import { adminEventSchemas, type AdminEvent } from '../domain/admin/events';
import type { EventStore, Position } from '../eventstore/types';
import { createContext, metadataFor, type CommandContext } from './context';

/**
 * Records an operator's action that changes no aggregate (src/domain/admin):
 * checked against its schema, stamped with the context's metadata like every
 * other event, appended at the end of its stream. Each is a new fact (a second
 * sign-in is a second event), so the id is random and the revision `any`.
 */
export async function recordAdminEvent(store: EventStore, streamId: string, event: AdminEvent, ctx: CommandContext): Promise<Position> {
  const data = adminEventSchemas[event.type].parse(event.data);
  const r = await store.appendToStream(streamId, [{ id: randomUUID(), type: event.type, data, metadata: metadataFor(ctx) }], 'any');
  return r.position;
}

/** An operator acting in the console's own endpoints (setup, sign-in, sign-out), where no API context exists. */
export function operatorContext(operatorId: string | undefined, meta: { ip?: string | undefined; userAgent?: string | undefined; correlationId?: string | undefined } = {}): CommandContext {
  return createContext({
    // No id: a failed sign-in with an email no operator has.
    actor: operatorId ? { type: 'operator', id: operatorId } : { type: 'operator' },
    source: 'admin',
    ...(meta.ip ? { ip: meta.ip } : {}),
    ...(meta.userAgent ? { userAgent: meta.userAgent.slice(0, 512) } : {}),
    ...(meta.correlationId ? { correlationId: meta.correlationId } : {}),
  });
}

/** `roster operators …` on the machine itself: the same actor id as a CLI import's causation (`cli`). */
export const cliContext = (): CommandContext => createContext({ actor: { type: 'system', id: 'cli' }, source: 'system' });
