import { randomBytes, randomUUID } from 'node:crypto';
import type { EventMetadata } from '../eventstore/types';

/** Where new ids come from; passed in so tests and imports can make them deterministic. */
export interface IdGenerator {
  /** `kp_` + 32 hex. */
  userId(): string;
  /** `org_` + 12 hex. */
  orgCode(): string;
  /** Role, permission, subscriber and MFA factor ids. */
  uuid(): string;
}

export const randomIds: IdGenerator = {
  userId: () => `kp_${randomBytes(16).toString('hex')}`,
  orgCode: () => `org_${randomBytes(6).toString('hex')}`,
  uuid: () => randomUUID(),
};

/** Who issues a command, when and from where (the event metadata it stamps), and where new ids come from. */
export interface CommandContext extends EventMetadata {
  readonly newId: IdGenerator;
}

export type ContextInput = Partial<Omit<CommandContext, 'actor' | 'source'>> & Pick<CommandContext, 'actor' | 'source'>;

/** A context; time and ids default to now and random (the composition root's choice, never a decider's). */
export function createContext(input: ContextInput): CommandContext {
  return { ...input, occurredAt: input.occurredAt ?? new Date().toISOString(), newId: input.newId ?? randomIds };
}

export const systemContext = (occurredAt?: string): CommandContext => createContext({ actor: { type: 'system' }, source: 'system', ...(occurredAt ? { occurredAt } : {}) });

export function metadataFor(ctx: CommandContext): EventMetadata {
  const m: Record<string, unknown> = { actor: ctx.actor, source: ctx.source, occurredAt: ctx.occurredAt };
  for (const key of ['correlationId', 'causationId', 'ip', 'userAgent', 'application', 'location', 'import'] as const) {
    if (ctx[key] !== undefined) m[key] = ctx[key];
  }
  return m as unknown as EventMetadata;
}
