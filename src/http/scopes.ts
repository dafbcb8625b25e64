/**
 * The scopes Roster's API checks, named as Kinde's Management API names them
 * (sdk.gen.d.ts of @kinde/management-api-js lists one per endpoint), plus
 * Roster's own for its additions. The admin client holds all of them.
 */
export const KINDE_SCOPES = [
  'read:users',
  'create:users',
  'update:users',
  'delete:users',
  'update:user_refresh_claims',
  'update:user_feature_flags',
  'read:user_properties',
  'update:user_properties',
  'update:user_passwords',
  'read:user_identities',
  'create:user_identities',
  'read:identities',
  'update:identities',
  'delete:identities',
  'read:user_mfa',
  'delete:user_mfa',
  'read:organizations',
  'create:organizations',
  'update:organizations',
  'delete:organizations',
  'read:organization_users',
  'create:organization_users',
  'update:organization_users',
  'delete:organization_users',
  'read:organization_user_roles',
  'create:organization_user_roles',
  'delete:organization_user_roles',
  'read:organization_user_permissions',
  'create:organization_user_permissions',
  'delete:organization_user_permissions',
  'read:organization_user_mfa',
  'delete:organization_user_mfa',
  'read:organization_properties',
  'update:organization_properties',
  'read:roles',
  'create:roles',
  'update:roles',
  'delete:roles',
  'read:role_permissions',
  'update:role_permissions',
  'delete:role_permissions',
  'read:permissions',
  'create:permissions',
  'update:permissions',
  'delete:permissions',
  'read:properties',
  'create:properties',
  'update:properties',
  'delete:properties',
  'read:subscribers',
  'create:subscribers',
  'read:businesses',
  'update:businesses',
] as const;

export const ROSTER_SCOPES = [
  'delete:subscribers',
  'update:subscribers',
  'create:user_policy_acceptances',
  'create:user_mfa',
  'read:imports',
  'create:imports',
  'read:audit',
  'read:projections',
  'update:projections',
  'read:webhooks',
  'create:webhooks',
  'update:webhooks',
  'delete:webhooks',
  'create:sign_ins',
  'read:events',
  'read:event_types',
] as const;

export const ALL_SCOPES: readonly string[] = [...KINDE_SCOPES, ...ROSTER_SCOPES];

export type Scope = (typeof KINDE_SCOPES)[number] | (typeof ROSTER_SCOPES)[number];

export function isKnownScope(s: string): s is Scope {
  return ALL_SCOPES.includes(s);
}
