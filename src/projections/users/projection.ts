import { createUserSearchIndexes } from './search';
import type { UserDoc } from './doc';
import { evolveUserDoc } from './evolve';
import { userChildRows, userRow } from './rows';
import { docProjection } from '../support';

/**
 * The users read model: one row per user (list columns + the whole detail as a
 * JSON document, doc.ts), with child tables for identities (lookups by email,
 * username, phone) and memberships (organization members, role holders). The
 * document is the domain's user state mapped (evolve.ts); this file is its tables.
 *
 * Version 2: the document follows the domain's fold (a spent temporary password
 * shows, a deleted user stays deleted whatever is imported, …): rebuilt beside v1.
 */
export const usersProjection = docProjection<UserDoc>('users', 2, {
  table: 'users',
  streamPrefix: 'user-',
  // The heaviest writes of an import (documents, identities, memberships, the search index): a lane of its own.
  lane: 'users',
  childTables: ['user_identities', 'user_organizations'],
  columns(table) {
    table.text('status');
    table.text('provided_id');
    table.text('email');
    table.text('username');
    table.text('phone');
    table.text('first_name');
    table.text('last_name');
    table.text('full_name');
    table.text('picture');
    table.boolean('is_suspended');
    table.boolean('is_password_reset_requested');
    table.boolean('has_password');
    table.timestamp('created_on', { useTz: true });
    table.timestamp('updated_on', { useTz: true });
    table.timestamp('last_signed_in', { useTz: true });
    table.integer('total_sign_ins');
    table.integer('failed_sign_ins');
    table.specificType('organizations', 'text[]');
    table.text('sort_name');
    table.text('sort_email');
  },
  async setupExtra(db, t) {
    await db.schema.createTable(t('user_identities'), (table) => {
      table.text('parent_id').notNullable();
      table.text('identity_id').notNullable();
      table.text('type');
      table.text('identity');
      table.text('identity_lower');
      table.boolean('is_primary');
      table.primary(['parent_id', 'identity_id']);
    });
    await db.schema.createTable(t('user_organizations'), (table) => {
      table.text('parent_id').notNullable();
      table.text('org_code').notNullable();
      table.specificType('role_ids', 'text[]');
      table.specificType('permission_ids', 'text[]');
      table.timestamp('joined_on', { useTz: true });
      table.timestamp('last_accessed_on', { useTz: true });
      table.primary(['org_code', 'parent_id']);
    });
    // Each batch replaces a user's memberships by parent_id: this one serves the writes too.
    await db.raw('create index ?? on ?? (parent_id)', [`${t('user_organizations')}_user_idx`, t('user_organizations')]);
  },
  async indexes(db, t) {
    const u = t('users');
    // Keyset pagination per sort order; the partial indexes skip deleted users.
    await db.raw(`create index ?? on ?? (sort_name, id) where status <> 'deleted'`, [`${u}_name_idx`, u]);
    await db.raw(`create index ?? on ?? (sort_email, id) where status <> 'deleted'`, [`${u}_email_idx`, u]);
    await db.raw(`create index ?? on ?? (provided_id) where provided_id is not null`, [`${u}_provided_idx`, u]);
    await db.raw(`create index ?? on ?? using gin (organizations)`, [`${u}_orgs_idx`, u]);
    await createUserSearchIndexes(db, u);
    await db.raw('create index ?? on ?? (type, identity_lower)', [`${t('user_identities')}_lookup_idx`, t('user_identities')]);
    await db.raw('create index ?? on ?? using gin (role_ids)', [`${t('user_organizations')}_roles_idx`, t('user_organizations')]);
  },
  evolve: evolveUserDoc,
  row: userRow,
  children: userChildRows,
});
