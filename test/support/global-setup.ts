import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded';
import { createLogger } from '../../src/logger';

/**
 * One real PostgreSQL for the whole run: DATABASE_URL when set, else an embedded
 * server in a temporary directory. Each test file creates its own database on it
 * (test/support/db.ts), so files run in parallel without sharing state.
 */
let embedded: EmbeddedPostgres | undefined;
let dir: string | undefined;

export async function setup(project: TestProject) {
  let url = process.env.DATABASE_URL;
  if (!url) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-test-'));
    fs.chmodSync(dir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: dir, logger: createLogger('warn'), database: 'postgres' });
    url = embedded.url;
  }
  project.provide('pgUrl', url);
}

export async function teardown() {
  await embedded?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}
