import type { Knex } from 'knex';
import { viewName } from '../projection';
import { businessSettingsProjection, type BusinessSettingsDoc } from './projection';

export const BUSINESS_SETTINGS_VIEW = viewName(businessSettingsProjection, 'business_settings');

/** The business settings as last set, or undefined before they are initialized. */
export async function getBusinessSettings(knex: Knex): Promise<BusinessSettingsDoc | undefined> {
  const row = await knex<{ doc: BusinessSettingsDoc }>(BUSINESS_SETTINGS_VIEW).select('doc').first();
  return row?.doc;
}
