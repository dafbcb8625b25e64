import { businessSettingsDecider, type BusinessSettingsCommand, type BusinessSettingsState } from '../domain/business-settings/decider';
import type { BusinessSettings } from '../domain/business-settings/events';
import { DomainError } from '../domain/errors';
import { streams } from '../domain/streams';
import type { EventStore, RecordedEvent, StreamAppend } from '../eventstore/types';
import type { CommandContext } from './context';
import { foldRecorded, handleCommand, loadState, planCommand, type CommandResult } from './handle';

export type ReadySettings = Extract<BusinessSettingsState, { status: 'initialized' }>;

/** The business settings; throws until ensureDefaults has run. */
export async function loadBusinessSettings(store: EventStore): Promise<ReadySettings> {
  return readySettings((await loadState(store, streams.businessSettings(), businessSettingsDecider)).state);
}

/** The business settings folded from their stream's events (read along with others). */
export function businessSettingsOf(recorded: readonly RecordedEvent[]): ReadySettings {
  return readySettings(foldRecorded(businessSettingsDecider, recorded).state);
}

function readySettings(state: BusinessSettingsState): ReadySettings {
  if (state.status !== 'initialized') throw new DomainError('VALIDATION_FAILED', 'business settings are not initialized; run ensureDefaults first');
  return state;
}

export function updateBusinessSettings(store: EventStore, ctx: CommandContext, changes: Partial<BusinessSettings>): Promise<CommandResult> {
  return handleCommand(store, streams.businessSettings(), businessSettingsDecider, { type: 'UpdateBusinessSettings', data: changes }, ctx);
}

/** An append to the business-settings stream (for role/permission handlers keeping the defaults index). */
export async function businessSettingsAppend(store: EventStore, ctx: CommandContext, command: BusinessSettingsCommand): Promise<StreamAppend[]> {
  const { append } = await planCommand(store, streams.businessSettings(), businessSettingsDecider, command, ctx);
  return append ? [append] : [];
}
