import { createHash } from 'node:crypto';
import { DomainError } from '../domain/errors';
import { organizationDecider, type OrganizationState } from '../domain/organization/decider';
import type { OrganizationEvent } from '../domain/organization/events';
import { streams } from '../domain/streams';
import type { ReservationChange } from '../domain/user/reservations';
import type { EventStore } from '../eventstore/types';
import { businessSettingsDecider } from '../domain/business-settings/decider';
import type { CommandContext } from './context';
import { handleCommand, handleCommandWithReservations, loadState, type CommandResult } from './handle';

type Result = CommandResult<OrganizationEvent>;

function externalIdChanges(events: readonly OrganizationEvent[], state: OrganizationState): ReservationChange[] {
  const out: ReservationChange[] = [];
  const previous = state.status === 'active' ? state.externalId : undefined;
  for (const e of events) {
    if (e.type === 'OrganizationCreated' && e.data.externalId) out.push({ action: 'claim', kind: 'org_external_id', value: e.data.externalId });
    if (e.type === 'OrganizationUpdated' && e.data.externalId !== undefined) {
      if (previous) out.push({ action: 'release', kind: 'org_external_id', value: previous });
      if (e.data.externalId) out.push({ action: 'claim', kind: 'org_external_id', value: e.data.externalId });
    }
    if (e.type === 'OrganizationDeleted' && e.data.externalId) out.push({ action: 'release', kind: 'org_external_id', value: e.data.externalId });
  }
  return out;
}

function runOrganization(store: EventStore, ctx: CommandContext, orgCode: string, command: Parameters<typeof organizationDecider.decide>[0]): Promise<Result> {
  return handleCommandWithReservations(store, streams.organization(orgCode), organizationDecider, command, ctx, { ownerId: orgCode, changesOf: externalIdChanges });
}

/** external_id is unique per deployment (ORG_EXTERNAL_ID_TAKEN). */
export async function createOrganization(store: EventStore, ctx: CommandContext, input: { name: string; externalId?: string; orgCode?: string }): Promise<Result & { orgCode: string }> {
  const orgCode = input.orgCode ?? ctx.newId.orgCode();
  const result = await runOrganization(store, ctx, orgCode, {
    type: 'CreateOrganization',
    data: { orgCode, name: input.name, ...(input.externalId ? { externalId: input.externalId } : {}) },
  });
  return { ...result, orgCode };
}

export const updateOrganization = (store: EventStore, ctx: CommandContext, orgCode: string, changes: { name?: string; externalId?: string | null }) =>
  runOrganization(store, ctx, orgCode, { type: 'UpdateOrganization', data: changes });

export const setOrganizationProperty = (store: EventStore, ctx: CommandContext, orgCode: string, key: string, value: string | null) =>
  runOrganization(store, ctx, orgCode, { type: 'SetOrganizationProperty', data: { key, value } });

export const deleteOrganization = (store: EventStore, ctx: CommandContext, orgCode: string) => runOrganization(store, ctx, orgCode, { type: 'DeleteOrganization', data: {} });

/** The default organization's code: deterministic, so every start and every process agree. */
export const DEFAULT_ORG_CODE = `org_${createHash('sha256').update('roster:default-organization').digest('hex').slice(0, 12)}`;

/**
 * Creates the default organization and the business settings if missing.
 * Idempotent and safe to run concurrently from several processes.
 */
export async function ensureDefaults(store: EventStore, ctx: CommandContext, options: { orgName?: string } = {}): Promise<{ defaultOrgCode: string }> {
  const settings = await loadState(store, streams.businessSettings(), businessSettingsDecider);
  if (settings.state.status === 'initialized') return { defaultOrgCode: settings.state.defaultOrgCode };
  const org = await loadState(store, streams.organization(DEFAULT_ORG_CODE), organizationDecider);
  if (org.state.status === 'none') {
    await handleCommand(
      store,
      streams.organization(DEFAULT_ORG_CODE),
      organizationDecider,
      {
        type: 'CreateOrganization',
        data: { orgCode: DEFAULT_ORG_CODE, name: options.orgName ?? 'Default organization', isDefault: true },
      },
      ctx,
    ).catch((err: unknown) => {
      if (err instanceof DomainError && err.code === 'ORGANIZATION_ALREADY_EXISTS') return; // another process won
      throw err;
    });
  }
  await handleCommand(store, streams.businessSettings(), businessSettingsDecider, { type: 'InitializeBusinessSettings', data: { defaultOrgCode: DEFAULT_ORG_CODE } }, ctx);
  return { defaultOrgCode: DEFAULT_ORG_CODE };
}
