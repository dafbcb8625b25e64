/** Bulk import, parse and validate half: file → validated, normalised records in batches. */
export { openImport, validateImport, validateFile, detectFormat } from './parse';
export type { ParseOptions, FileValidation } from './parse';
export * from './types';
export * from './issues';
export * from './identity-types';
export * from './kinde-ndjson-schema';
export { CSV_COLUMNS } from './kinde-csv';
export { failedRowsCsvHeader, failedRowCsvLine, failedRowNdjsonLine, escapeFormula, csvCell } from './failed-rows';
