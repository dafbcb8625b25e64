import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

/**
 * The console's files: the built single-page app (web/dist) at /admin, every
 * non-API path under /admin answered with index.html (client-side routing),
 * `/` redirected to /admin. A strict Content-Security-Policy (no inline
 * scripts) and anti-framing headers on every /admin response. Without a build,
 * /admin says so with a 503 instead of a blank page.
 */
export const DEFAULT_WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

export const CONSOLE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Roster console not built</title></head>
<body><h1>The admin console was not built</h1>
<p>web/dist is missing. Run <code>npm ci</code> (it builds the console), then start Roster again.</p></body></html>
`;

export function adminStaticRoutes(options: { webDist?: string } = {}) {
  const dist = options.webDist ?? DEFAULT_WEB_DIST;
  const assets = express.static(dist, {
    index: false,
    fallthrough: true,
    redirect: false,
    // Vite names built assets by content hash: they never change under one name.
    setHeaders: (res, file) => {
      if (file.startsWith(path.join(dist, 'assets') + path.sep)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    },
  });

  return (router: Router) => {
    router.get('/', (_req, res) => res.redirect(302, '/admin'));

    router.use('/admin', (req, res, next) => {
      res.setHeader('Content-Security-Policy', CONSOLE_CSP);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('X-Frame-Options', 'DENY');
      res.setHeader('Referrer-Policy', 'same-origin');
      // /admin/api is the console's JSON API: unknown paths there are JSON 404s, not the app.
      if (req.path === '/api' || req.path.startsWith('/api/')) {
        next();
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        next();
        return;
      }
      const index = path.join(dist, 'index.html');
      if (!fs.existsSync(index)) {
        res.status(503).type('html').setHeader('Cache-Control', 'no-store');
        res.send(NOT_BUILT);
        return;
      }
      assets(req, res, () => {
        // A missing file (a stale asset name) is a 404, not the app's page.
        if (path.extname(req.path) !== '') return next();
        res.setHeader('Cache-Control', 'no-cache');
        res.sendFile(index);
      });
    });
  };
}
