import { userDecider } from '../../domain/user/decider';
import type { UserEvent } from '../../domain/user/events';
import { decideImport, type ImportMode, type ImportRecord } from '../../domain/user/import';
import type { UserState } from '../../domain/user/state';

/**
 * The events one user's rows make on the user's state: each row decided in turn, then the
 * password reset the source asks for. Throws what decideImport throws.
 */
export function decideGroup(state: UserState, records: readonly ImportRecord[], wantsReset: boolean, mode: ImportMode): { events: UserEvent[]; state: UserState } {
  const wasNew = state.status === 'none';
  const events: UserEvent[] = [];
  for (const record of records) {
    const decided = decideImport(state, record, mode);
    for (const e of decided) state = userDecider.evolve(state, e);
    events.push(...decided);
  }
  // The source says the user must choose a new password (Keycloak UPDATE_PASSWORD, Cognito).
  // Only for a user this import creates (or in mode update): a merge re-import must not
  // ask again a user who has since set a password.
  if (wantsReset && (state.status === 'active' || state.status === 'suspended') && (wasNew || mode === 'update')) {
    const reset = userDecider.decide({ type: 'RequestPasswordReset', data: {} }, state);
    for (const e of reset) state = userDecider.evolve(state, e);
    events.push(...reset);
  }
  return { events, state };
}
