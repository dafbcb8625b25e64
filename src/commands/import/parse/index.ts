/** Bulk import, parse and validate half: file → validated, normalised records in batches. */
export { openImport, validateImport, validateFile, detectFormat } from './parse';
export type { ImportParse, ParseOptions, FileValidation } from './parse';
export * from './types';
export * from './issues';
export * from './identity-types';
export * from './kinde-ndjson-schema';
export { checkPasswordFields } from './password-fields';
export type { PasswordCheck, PasswordHashCheck, RawPasswordFields } from './password-fields';
export { CSV_COLUMNS } from './kinde-csv';
export type { CsvColumn } from './kinde-csv';
export { Auth0UserSchema, Auth0PasswordSchema, auth0ProvidedId } from './auth0';
export type { Auth0User, Auth0Password } from './auth0';
export { failedRowsCsvHeader, failedRowCsvLine, failedRowNdjsonLine, escapeFormula, csvCell, CSV_ERROR_COLUMNS } from './failed-rows';
export { parseJsonSafely } from './safe-json';
