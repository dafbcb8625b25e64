import { z } from 'zod';

/**
 * Building blocks shared by every aggregate: the decider shape, the event shape
 * deciders produce (type + data only: metadata and ids are stamped by the
 * command handler), and the schemas of values several aggregates use.
 */

/** An event as a decider produces it. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

export interface Command<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

export interface Decider<C, E extends DomainEvent, S> {
  readonly initialState: () => S;
  readonly evolve: (state: S, event: E) => S;
  /** Returns [] when the command changes nothing; throws DomainError when a rule is broken. */
  readonly decide: (command: C, state: S) => readonly E[];
}

export function fold<E extends DomainEvent, S>(decider: Pick<Decider<never, E, S>, 'initialState' | 'evolve'>, events: readonly E[]): S {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

// ---- values shared by several aggregates -----------------------------------------

/** `kp_` + 32 lowercase hex, like Kinde's user ids. */
export const UserIdSchema = z.string().regex(/^kp_[0-9a-f]{32}$/, 'user id must be kp_ followed by 32 hex characters');
/** `org_` + hex. */
export const OrgCodeSchema = z.string().regex(/^org_[0-9a-f]{6,32}$/, 'organization code must be org_ followed by hex');
export const RoleIdSchema = z.string().min(1).max(64);
export const PermissionIdSchema = z.string().min(1).max(64);
/** Role and permission keys are matched exactly (case-sensitive). */
export const KeySchema = z.string().min(1).max(255);
export const IsoDateSchema = z.string().min(10);
