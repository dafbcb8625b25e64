import os from 'node:os';
import { createImportJobs, type ImportJobs } from './commands/import/jobs';
import type { Config } from './config';
import { openDatabase, type Database } from './db/database';
import { createPostgresEventStore } from './eventstore/postgres';
import type { EventStore } from './eventstore/types';
import type { Logger } from './logger';
import { createPasswordVerifier, type PasswordVerifier } from './passwords';
import { allProjections } from './all-projections';
import type { Projection } from './projections/projection';
import type { KeyCipher } from './secrets/key-cipher';
import { loadKeyCipher } from './secrets/secret-key';
import { createProjector, type Projector } from './projections/projector';

/**
 * The composition root: database (external or embedded), event store (PostgreSQL
 * or EventStoreDB), projector. Every entry point (serve, import, stats, tests of
 * the whole app) opens one of these and closes it when done.
 */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly store: EventStore;
  readonly projector: Projector;
  /** One worker pool per process for bcrypt/crypt verification and hashing (sign-in, upgrades). */
  readonly passwords: PasswordVerifier;
  /** Import jobs accepted over HTTP, run one at a time in this process. */
  readonly imports: ImportJobs;
  /** Encrypts and decrypts secrets at rest (the signing keys): ROSTER_SECRET_KEY or the data directory's key file. */
  readonly keyCipher: KeyCipher;
  close(): Promise<void>;
}

export async function openRuntime(config: Config, logger: Logger, options: { projections?: readonly Projection[]; migrate?: boolean } = {}): Promise<Runtime> {
  const db = await openDatabase(config, logger, { migrate: options.migrate });
  // After the database: the embedded PostgreSQL sets up the data directory (and who may enter it) first.
  let keyCipher: KeyCipher;
  try {
    keyCipher = loadKeyCipher(config, logger);
  } catch (err) {
    await db.close();
    throw err;
  }
  let store: EventStore;
  try {
    if (config.eventStoreConnectionString) {
      // Loaded only when configured: the gRPC client is heavy.
      const { createEsdbEventStore } = await import('./eventstore/esdb');
      store = createEsdbEventStore(config.eventStoreConnectionString);
    } else {
      store = createPostgresEventStore(db.pool);
    }
  } catch (err) {
    await db.close();
    throw err;
  }
  const projector = createProjector({ store, knex: db.knex, pool: db.pool, projections: options.projections ?? allProjections(store), logger });
  const imports = createImportJobs({
    store,
    dataDir: config.dataDir,
    logger,
    limits: config.importMaxBytes ? { maxFileBytes: config.importMaxBytes } : undefined,
  });
  // One core stays with the event loop, so the API keeps answering during a sign-in storm.
  const passwords = lazyPasswordVerifier(() => createPasswordVerifier({ bcryptCost: config.bcryptCost, threads: Math.max(1, os.cpus().length - 1) }));
  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    db,
    store,
    projector,
    passwords,
    imports,
    keyCipher,
    close: () =>
      (closing ??= (async () => {
        await imports.stop();
        await projector.stop();
        await passwords.close();
        await store.close();
        await db.close();
      })()),
  };
}

/** The pool starts its threads on first use, so CLI commands that never touch a password do not pay for them. */
function lazyPasswordVerifier(create: () => PasswordVerifier): PasswordVerifier {
  let pool: PasswordVerifier | undefined;
  let closed = false;
  const get = () => {
    if (closed) throw new Error('password verifier is closed');
    return (pool ??= create());
  };
  return {
    verify: async (stored, plain) => get().verify(stored, plain),
    verifyDummy: async (plain) => get().verifyDummy(plain),
    hash: async (plain) => get().hash(plain),
    close: async () => {
      closed = true;
      await pool?.close();
    },
  };
}
