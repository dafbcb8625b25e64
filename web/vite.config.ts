import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * The admin console: a single-page app served by `roster serve` at /admin.
 * Built by `npm ci` (the root package.json's `prepare`), into web/dist.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const BUDGET_BYTES = 250 * 1024;

/** Prints the gzipped size of the JavaScript and fails the build over the budget. */
function jsBudget(): Plugin {
  return {
    name: 'roster-js-budget',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir ?? path.resolve(here, 'dist');
      let total = 0;
      for (const file of Object.keys(bundle).filter((f) => f.endsWith('.js'))) {
        total += zlib.gzipSync(fs.readFileSync(path.join(dir, file))).length;
      }
      const kb = (total / 1024).toFixed(1);
      console.log(`console JavaScript: ${kb} KB gzipped (budget ${BUDGET_BYTES / 1024} KB)`);
      if (total > BUDGET_BYTES) throw new Error(`console JavaScript is ${kb} KB gzipped, over the ${BUDGET_BYTES / 1024} KB budget`);
    },
  };
}

export default defineConfig({
  root: here,
  base: '/admin/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline scripts or styles: the server's CSP allows only 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  plugins: [jsBudget()],
});
