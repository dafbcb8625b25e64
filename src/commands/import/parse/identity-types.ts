/**
 * Identity types an import can carry, named as the Kinde NDJSON schema names them
 * ("email", "phone", "username", "oauth2:<provider>") plus Roster's
 * `enterprise:<connection>` (the domain's name for SAML / Entra ID / OIDC
 * connections; the docs' schema has no enterprise type, but `roster export`
 * writes them, so they must import).
 */
export const CONTACT_IDENTITY_TYPES = ['email', 'phone', 'username'] as const;

/** The social types the docs' NDJSON schema lists ("oauth2:google" appears in its example). */
export const SOCIAL_IDENTITY_TYPES = [
  'oauth2:slack',
  'oauth2:apple',
  'oauth2:github',
  'oauth2:facebook',
  'oauth2:twitter',
  'oauth2:twitch',
  'oauth2:gitlab',
  'oauth2:xero',
  'oauth2:linkedin',
  'oauth2:discord',
  'oauth2:bitbucket',
  'oauth2:stripe',
  'oauth2:microsoft',
  'oauth2:clever',
  'oauth2:roblox',
  'oauth2:google',
] as const;

export const IDENTITY_TYPES = [...CONTACT_IDENTITY_TYPES, ...SOCIAL_IDENTITY_TYPES] as const;

export type KnownIdentityType = (typeof IDENTITY_TYPES)[number];
export type EnterpriseIdentityType = `enterprise:${string}`;
export type ImportIdentityType = KnownIdentityType | EnterpriseIdentityType;

const KNOWN: ReadonlySet<string> = new Set<string>(IDENTITY_TYPES);
const ENTERPRISE_RE = /^enterprise:[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

export function isImportIdentityType(type: string): type is ImportIdentityType {
  return KNOWN.has(type) || ENTERPRISE_RE.test(type);
}

export function isEnterpriseType(type: ImportIdentityType): type is EnterpriseIdentityType {
  return type.startsWith('enterprise:');
}

/**
 * Auth0 connection → Roster identity type, as the Auth0 import page lists them:
 * "Username-Password-Authentication, email, sms, google-oauth2, apple, microsoft,
 * github, twitch, facebook, bitbucket, windowslive". A database connection gives
 * an email identity (and a username identity when the user has a username).
 */
export const AUTH0_CONNECTION_IDENTITY_TYPES = {
  'Username-Password-Authentication': 'email',
  email: 'email',
  sms: 'phone',
  'google-oauth2': 'oauth2:google',
  apple: 'oauth2:apple',
  microsoft: 'oauth2:microsoft',
  windowslive: 'oauth2:microsoft',
  github: 'oauth2:github',
  twitch: 'oauth2:twitch',
  facebook: 'oauth2:facebook',
  bitbucket: 'oauth2:bitbucket',
} as const satisfies Record<string, KnownIdentityType>;

/** Auth0 enterprise providers: their identities import as `enterprise:<connection>`. */
export const AUTH0_ENTERPRISE_PROVIDERS: ReadonlySet<string> = new Set(['samlp', 'waad', 'adfs', 'ad', 'oidc', 'okta', 'google-apps', 'pingfederate', 'office365', 'ip']);
