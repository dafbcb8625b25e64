import { primaryOfType, type PrimaryFlag } from '../../domain/user/identity-list';
import type { UserDoc, UserIdentityDoc } from './doc';

/** What the users tables hold besides the document: the list columns and the child rows, derived from it. */

/** The domain's identity rules read this row shape's flag, spelled `is_primary`. */
const DOC_FLAG: Pick<PrimaryFlag<UserIdentityDoc>, 'isPrimary'> = { isPrimary: (i) => i.is_primary };

/** Kinde's preferred email, phone or username: the primary identity of the type, else the first. */
export const preferredIdentity = (doc: Pick<UserDoc, 'identities'>, type: 'email' | 'phone' | 'username') => primaryOfType(doc.identities, type, DOC_FLAG) ?? null;

export function fullName(doc: Pick<UserDoc, 'first_name' | 'last_name'>): string {
  return [doc.first_name, doc.last_name].filter((x) => x).join(' ');
}

/** The columns of the main table. */
export function userRow(doc: UserDoc) {
  const email = preferredIdentity(doc, 'email');
  const name = fullName(doc);
  return {
    status: doc.status,
    provided_id: doc.provided_id,
    email,
    username: preferredIdentity(doc, 'username'),
    phone: preferredIdentity(doc, 'phone'),
    first_name: doc.first_name,
    last_name: doc.last_name,
    full_name: name,
    picture: doc.picture,
    is_suspended: doc.status === 'suspended',
    is_password_reset_requested: doc.is_password_reset_requested,
    has_password: doc.password.has_password,
    created_on: doc.created_on,
    updated_on: doc.updated_on,
    last_signed_in: doc.last_signed_in,
    total_sign_ins: doc.total_sign_ins,
    failed_sign_ins: doc.failed_sign_ins,
    organizations: Object.keys(doc.organizations).sort(),
    // Sort keys: never null, so that keyset comparisons are plain row comparisons.
    sort_name: name.toLowerCase(),
    sort_email: (email ?? '').toLowerCase(),
  };
}

/** The rows of the child tables: identities (lookups by email, username, phone) and memberships (members, role holders). */
export function userChildRows(doc: UserDoc) {
  if (doc.status === 'deleted') return { user_identities: [], user_organizations: [] };
  return {
    user_identities: doc.identities.map((i) => ({
      identity_id: i.id,
      type: i.type,
      identity: i.identity,
      identity_lower: i.identity.trim().toLowerCase(),
      is_primary: i.is_primary,
    })),
    user_organizations: Object.entries(doc.organizations).map(([org_code, m]) => ({
      org_code,
      role_ids: m.role_ids,
      permission_ids: m.permission_ids,
      joined_on: m.joined_on,
      last_accessed_on: doc.last_organization_sign_ins[org_code] ?? null,
    })),
  };
}
