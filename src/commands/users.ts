import { DomainError } from '../domain/errors';
import { organizationDecider, type OrganizationState } from '../domain/organization/decider';
import { permissionDecider } from '../domain/permission/decider';
import { propertyDecider } from '../domain/property/decider';
import { roleDecider } from '../domain/role/decider';
import { streams } from '../domain/streams';
import { subscriberDecider } from '../domain/subscriber/decider';
import { userDecider, type UserCommand } from '../domain/user/decider';
import type { NewMembership } from '../domain/user/decide/organizations';
import type { MfaMethod, MfaScope, Policy, StoredPassword, UserEvent } from '../domain/user/events';
import type { IdentityInput } from '../domain/user/identity';
import type { PasswordStrength } from '../domain/user/password-strength';
import { userReservationChanges } from '../domain/user/reservations';
import type { UserState } from '../domain/user/state';
import { uniqueKey, type EventStore, type RecordedEvent, type StreamAppend } from '../eventstore/types';
import type { CommandContext } from './context';
import { foldRecorded, handleCommandWithReservations, loadState, planCommand, uniquesFor, type CommandResult } from './handle';
import { businessSettingsOf } from './settings';

type Result = CommandResult<UserEvent>;

/** Runs a user command; the unique values its events claim and release commit with them. */
export function runUserCommand(
  store: EventStore,
  ctx: CommandContext,
  userId: string,
  command: UserCommand,
  more?: (events: readonly UserEvent[], state: UserState) => Promise<readonly StreamAppend[]>,
  recorded?: readonly RecordedEvent[],
): Promise<Result> {
  return handleCommandWithReservations(store, streams.user(userId), userDecider, command, ctx, {
    ownerId: userId,
    changesOf: (events) => events.flatMap(userReservationChanges),
    ...(more ? { more } : {}),
    ...(recorded ? { recorded } : {}),
  });
}

async function roleExists(store: EventStore, roleId: string): Promise<boolean> {
  return (await loadState(store, streams.role(roleId), roleDecider)).state.status === 'active';
}

async function permissionExists(store: EventStore, permissionId: string): Promise<boolean> {
  return (await loadState(store, streams.permission(permissionId), permissionDecider)).state.status === 'active';
}

/**
 * The organizations a new user joins, with default roles: "You can specify which
 * organization users are added to, or else they are added to the default
 * organization." Roles marked "assign to new users" plus each organization's default roles.
 */
async function activeOrganization(store: EventStore, orgCode: string) {
  return activeOrganizationOf(orgCode, (await loadState(store, streams.organization(orgCode), organizationDecider)).state);
}

function activeOrganizationOf(orgCode: string, state: OrganizationState): Extract<OrganizationState, { status: 'active' }> {
  if (state.status !== 'active') throw new DomainError('ORGANIZATION_NOT_FOUND', 'organization not found', { orgCode });
  return state;
}

/**
 * Per store, the default organization its business settings named last time: its
 * stream is read together with them, in one round trip (the first creation
 * reads it after them).
 */
const defaultOrgSeen = new WeakMap<EventStore, string>();

export async function resolveNewMemberships(
  store: EventStore,
  orgCodes: readonly string[],
  alsoRead: readonly string[] = [],
): Promise<{ memberships: NewMembership[]; read: Map<string, RecordedEvent[]> }> {
  const named = [...new Set(orgCodes)];
  const seen = defaultOrgSeen.get(store);
  const guessed = named.length > 0 ? named : seen !== undefined ? [seen] : [];
  const read = await store.readStreams([streams.businessSettings(), ...guessed.map(streams.organization), ...alsoRead]);
  const settings = businessSettingsOf(read.get(streams.businessSettings())!);
  defaultOrgSeen.set(store, settings.defaultOrgCode);
  const codes = named.length > 0 ? named : settings.settings.addUsersToDefaultOrganization ? [settings.defaultOrgCode] : [];
  const unread = codes.map(streams.organization).filter((s) => !read.has(s));
  if (unread.length > 0) for (const [streamId, events] of await store.readStreams(unread)) read.set(streamId, events);
  const memberships = codes.map((orgCode) => {
    const org = activeOrganizationOf(orgCode, foldRecorded(organizationDecider, read.get(streams.organization(orgCode))!).state);
    return { orgCode, roleIds: [...new Set([...settings.defaultUserRoleIds, ...org.defaultRoleIds])] };
  });
  return { memberships, read };
}

// ---- creation ----------------------------------------------------------------------

export interface CreateUserInput {
  readonly firstName?: string;
  readonly lastName?: string;
  readonly picture?: string;
  readonly providedId?: string;
  readonly identities: readonly IdentityInput[];
  /** Empty: the default organization (when the business policy says so). */
  readonly orgCodes?: readonly string[];
  /** Defaults to ctx.newId.userId(). */
  readonly userId?: string;
}

export async function createUser(store: EventStore, ctx: CommandContext, input: CreateUserInput): Promise<Result & { userId: string }> {
  const userId = input.userId ?? ctx.newId.userId();
  // The settings, the organizations and the new user's stream in one read.
  const { memberships: organizations, read } = await resolveNewMemberships(store, input.orgCodes ?? [], [streams.user(userId)]);
  const { orgCodes: _ignored, userId: _id, ...rest } = input;
  const result = await runUserCommand(store, ctx, userId, { type: 'CreateUser', data: { ...rest, userId, organizations } }, undefined, read.get(streams.user(userId)));
  return { ...result, userId };
}

// ---- profile and lifecycle ---------------------------------------------------------------

export const updateUser = (store: EventStore, ctx: CommandContext, userId: string, changes: { firstName?: string | null; lastName?: string | null; picture?: string | null }) =>
  runUserCommand(store, ctx, userId, { type: 'UpdateUser', data: changes });

export const suspendUser = (store: EventStore, ctx: CommandContext, userId: string, reason?: string) =>
  runUserCommand(store, ctx, userId, { type: 'SuspendUser', data: reason !== undefined ? { reason } : {} });

export const restoreUser = (store: EventStore, ctx: CommandContext, userId: string) => runUserCommand(store, ctx, userId, { type: 'RestoreUser', data: {} });

/**
 * "Remove the user's access and ability to sign in to all organizations, but leave
 * their profile" (revoke_access) or "completely remove the user record, including
 * access and all subscriber lists" (delete_profile: email, username, phone and
 * provided id become free again).
 */
export function deleteUser(store: EventStore, ctx: CommandContext, userId: string, extent: 'revoke_access' | 'delete_profile'): Promise<Result> {
  return runUserCommand(store, ctx, userId, { type: 'DeleteUser', data: { extent } }, async (events) => {
    const deleted = events.find((e) => e.type === 'UserDeleted');
    if (!deleted || deleted.type !== 'UserDeleted') return [];
    return removeFromSubscriberLists(store, ctx, deleted.data.releasedEmails);
  });
}

async function removeFromSubscriberLists(store: EventStore, ctx: CommandContext, emails: readonly string[]): Promise<StreamAppend[]> {
  const out: StreamAppend[] = [];
  const owners = await store.uniqueOwners(emails.map((email) => ({ kind: 'subscriber_email', value: email })));
  for (const email of emails) {
    const subscriberId = owners.get(uniqueKey('subscriber_email', email));
    if (subscriberId === undefined) continue;
    const { append } = await planCommand(store, streams.subscriber(subscriberId), subscriberDecider, { type: 'DeleteSubscriber', data: {} }, ctx);
    if (append) out.push({ ...append, uniques: uniquesFor(subscriberId, [{ action: 'release', kind: 'subscriber_email', value: email }]) });
  }
  return out;
}

// ---- passwords -----------------------------------------------------------------------

export const requestPasswordReset = (store: EventStore, ctx: CommandContext, userId: string) => runUserCommand(store, ctx, userId, { type: 'RequestPasswordReset', data: {} });

/** A hash supplied by the caller (never a plain-text password); parse/validate it with src/passwords first. */
export const setPassword = (store: EventStore, ctx: CommandContext, userId: string, password: StoredPassword, isTemporary = false) =>
  runUserCommand(store, ctx, userId, { type: 'SetPassword', data: { password, isTemporary } });

/** The admin-typed password was checked (checkTemporaryPasswordStrength) and hashed by the caller. */
export const setTemporaryPassword = (store: EventStore, ctx: CommandContext, userId: string, password: StoredPassword, strength: PasswordStrength) =>
  runUserCommand(store, ctx, userId, { type: 'SetTemporaryPassword', data: { password, strength } });

export const markPasswordVerified = (store: EventStore, ctx: CommandContext, userId: string, identityId?: string) =>
  runUserCommand(store, ctx, userId, { type: 'MarkPasswordVerified', data: identityId !== undefined ? { identityId } : {} });

// ---- identities ------------------------------------------------------------------------

export const addIdentity = (store: EventStore, ctx: CommandContext, userId: string, identity: IdentityInput, makePrimary = false) =>
  runUserCommand(store, ctx, userId, { type: 'AddIdentity', data: { identity, makePrimary } });

export const deleteIdentity = (store: EventStore, ctx: CommandContext, userId: string, identityId: string) => runUserCommand(store, ctx, userId, { type: 'DeleteIdentity', data: { identityId } });

export const makeIdentityPrimary = (store: EventStore, ctx: CommandContext, userId: string, identityId: string) =>
  runUserCommand(store, ctx, userId, { type: 'MakeIdentityPrimary', data: { identityId } });

// ---- properties, flags, MFA, policies ------------------------------------------------------

/** The property must be defined (context `usr`); null clears the value. */
export async function setUserProperty(store: EventStore, ctx: CommandContext, userId: string, key: string, value: string | null): Promise<Result> {
  const { state } = await loadState(store, streams.property(key), propertyDecider);
  if (state.status !== 'defined' || state.context !== 'usr') throw new DomainError('PROPERTY_NOT_FOUND', 'no user property with this key', { key });
  return runUserCommand(store, ctx, userId, { type: 'SetUserProperty', data: { key, value } });
}

export const setFeatureFlagOverride = (store: EventStore, ctx: CommandContext, userId: string, key: string, value: string | null) =>
  runUserCommand(store, ctx, userId, { type: 'SetFeatureFlagOverride', data: { key, value } });

export const enrollMfaFactor = (store: EventStore, ctx: CommandContext, userId: string, method: MfaMethod, scope: MfaScope, factorId?: string) =>
  runUserCommand(store, ctx, userId, { type: 'EnrollMfaFactor', data: { factorId: factorId ?? ctx.newId.uuid(), method, scope } });

/** One method (or one factor id) in one scope. */
export const resetMfa = (store: EventStore, ctx: CommandContext, userId: string, scope: MfaScope, which: { method?: MfaMethod; factorId?: string }) =>
  runUserCommand(store, ctx, userId, { type: 'ResetMfa', data: { scope, ...which } });

export const acceptPolicy = (store: EventStore, ctx: CommandContext, userId: string, policy: Policy, url: string, version?: string, acceptedAt?: string) =>
  runUserCommand(store, ctx, userId, { type: 'AcceptPolicy', data: { policy, url, acceptedAt: acceptedAt ?? ctx.occurredAt, ...(version !== undefined ? { version } : {}) } });

// ---- organizations and access ----------------------------------------------------------------

/** Joins with the organization's default roles. Moving = add + remove. */
export async function addUserToOrganization(store: EventStore, ctx: CommandContext, userId: string, orgCode: string): Promise<Result> {
  const org = await activeOrganization(store, orgCode);
  return runUserCommand(store, ctx, userId, { type: 'AddUserToOrganization', data: { orgCode, roleIds: org.defaultRoleIds } });
}

export const removeUserFromOrganization = (store: EventStore, ctx: CommandContext, userId: string, orgCode: string) =>
  runUserCommand(store, ctx, userId, { type: 'RemoveUserFromOrganization', data: { orgCode } });

export async function assignRole(store: EventStore, ctx: CommandContext, userId: string, orgCode: string, roleId: string): Promise<Result> {
  const exists = await roleExists(store, roleId);
  return runUserCommand(store, ctx, userId, { type: 'AssignRole', data: { orgCode, roleId, roleExists: exists } });
}

export const removeRole = (store: EventStore, ctx: CommandContext, userId: string, orgCode: string, roleId: string) =>
  runUserCommand(store, ctx, userId, { type: 'RemoveRole', data: { orgCode, roleId } });

export async function grantPermission(store: EventStore, ctx: CommandContext, userId: string, orgCode: string, permissionId: string): Promise<Result> {
  const exists = await permissionExists(store, permissionId);
  return runUserCommand(store, ctx, userId, { type: 'GrantPermission', data: { orgCode, permissionId, permissionExists: exists } });
}

export const revokePermission = (store: EventStore, ctx: CommandContext, userId: string, orgCode: string, permissionId: string) =>
  runUserCommand(store, ctx, userId, { type: 'RevokePermission', data: { orgCode, permissionId } });

/** The user's current state (for HTTP lookups of a single user, sign-in). */
export async function loadUser(store: EventStore, userId: string): Promise<UserState> {
  return (await loadState(store, streams.user(userId), userDecider)).state;
}
