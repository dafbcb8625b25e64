/** Bulk import, parse and validate half: file → validated, normalised records in batches. */
export { openImport } from './parse';
export { validateImport, validateFile } from './validate';
export { detectFormat } from './detect';
export type { ParseOptions } from './parse';
export type { FileValidation } from './validate';
export * from './types';
export * from './issues';
export * from './identity-types';
export * from './kinde-ndjson-schema';
export { CSV_COLUMNS } from './kinde-csv';
export { failedRowsCsvHeader, failedRowCsvLine, failedRowNdjsonLine, escapeFormula, csvCell } from './failed-rows';
