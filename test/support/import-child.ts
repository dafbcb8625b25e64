/**
 * Runs one import against DATABASE_URL and prints "batch N" after each batch, so
 * the crash test can kill it (kill -9) in the middle.
 */
import pg from 'pg';
import '../../src/db/database';
import { runImport } from '../../src/commands/import/run';
import { createPostgresEventStore } from '../../src/eventstore/postgres';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
const store = createPostgresEventStore(pool);
let n = 0;
await runImport(store, process.argv[2]!, { batchSize: 200, onProgress: () => process.stdout.write(`batch ${++n}\n`) });
process.stdout.write('done\n');
await store.close();
await pool.end();
