import { DomainError } from '../../errors';
import { assertNever, type Command } from '../../shared';
import type { MfaMethod, MfaScope, UserEvent } from '../events';
import { mfaScopeKey, type UserState } from '../state';
import { existing, member } from './guards';

// Multi-factor authentication: enrolling a factor, opting out, resetting a factor (per scope: the environment or one organization).

export type MfaCommand =
  | Command<'EnrollMfaFactor', { factorId: string; method: MfaMethod; scope: MfaScope }>
  | Command<'OptOutOfMfa', { scope: MfaScope }>
  | Command<'ResetMfa', { scope: MfaScope; method?: MfaMethod; factorId?: string }>;

function sameScope(a: MfaScope, b: MfaScope) {
  return mfaScopeKey(a) === mfaScopeKey(b);
}

export function decideMfa(command: MfaCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'EnrollMfaFactor': {
      const user = existing(state);
      const { scope, method, factorId } = command.data;
      if (scope.type === 'organization') member(user, scope.orgCode);
      if (user.mfaFactors.some((f) => f.method === method && sameScope(f.scope, scope))) return [];
      return [{ type: 'MfaFactorEnrolled', data: { factorId, method, scope } }];
    }
    case 'OptOutOfMfa': {
      const user = existing(state);
      if (user.mfaOptedOut.includes(mfaScopeKey(command.data.scope))) return [];
      return [{ type: 'MfaOptedOut', data: { scope: command.data.scope } }];
    }
    case 'ResetMfa': {
      const user = existing(state);
      const { scope, method, factorId } = command.data;
      const inScope = user.mfaFactors.filter((f) => sameScope(f.scope, scope));
      const target = inScope.find((f) => (factorId !== undefined ? f.factorId === factorId : f.method === method));
      if (!target) throw new DomainError('MFA_FACTOR_NOT_FOUND', 'no such MFA method in this scope');
      const key = mfaScopeKey(scope);
      return [
        {
          type: 'MfaFactorReset',
          data: {
            factorId: target.factorId,
            method: target.method,
            scope,
            // "If a user has multiple MFA methods set up, you need to remove each method to fully reset MFA."
            scopeFullyReset: inScope.length === 1,
            // "If the user has previously opted out of MFA, they will be prompted to opt-in again."
            optInRequired: user.mfaOptedOut.includes(key),
          },
        },
      ];
    }
    default:
      return assertNever(command, 'user command');
  }
}
