import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * Browser tests of the admin console: one real `roster serve` (spawned as a user
 * runs it, on a fresh database of the test PostgreSQL) and one headless Debian
 * Chromium driven by playwright-core.
 */
export const CHROMIUM = process.env.ROSTER_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = path.resolve(import.meta.dirname, '../..');

export interface RunningServer {
  readonly url: string;
  readonly setupLink: string;
  readonly db: TestDatabase;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Starts `roster serve` on a free port and waits for the setup link it prints. */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  if (!fs.existsSync(path.join(ROOT, 'web/dist/index.html'))) {
    throw new Error('web/dist is missing: the console is built by `npm ci` (or `npm run build:console`)');
  }
  const db = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-console-'));
  const child: ChildProcess = spawn(process.execPath, ['bin/roster.mjs', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', ROSTER_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const setupLink = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`roster serve printed no setup link within 60 s:\n${out}`)), 60_000);
    const check = () => {
      const m = /(http:\/\/\S+\/admin\/setup\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`roster serve exited (${code}) before printing the setup link:\n${out}`));
    });
  });
  const url = new URL(setupLink).origin;
  return {
    url,
    setupLink,
    db,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium; .ci/run does it)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core in the page (through the DevTools protocol, so the page's CSP,
 * which refuses inline scripts, stays on) and returns the serious and critical
 * violations.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate<AxeViolation[]>(`axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) })))`);
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** A page on another origin (another port of the same host) that posts a form to Roster: a forged request. */
export async function startForgerySite(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const html = `<!doctype html><html lang="en"><head><title>Win a prize</title></head><body>
<form method="POST" action="${target}/api/v1/organization"><input type="hidden" name="name" value="Forged org"><button type="submit">Claim prize</button></form>
</body></html>`;
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/`,
    // Chromium may keep its connection alive: close it, or close() would wait for it.
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export const SCREENSHOTS = process.env.ROSTER_SCREENSHOTS === '1' ? path.join(ROOT, 'docs/console') : undefined;
