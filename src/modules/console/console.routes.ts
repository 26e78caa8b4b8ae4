/**
 * Serves the built web console (`web/dist`, made by `npm run build:web`) at `/`. Paths that are
 * not files fall back to index.html so the console's own routes survive a reload, except under
 * the API's prefixes, which keep their problem+json 404s.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../../http/problem-handler.js';

export const DEFAULT_CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** Prefixes that belong to the server, never to the console's fallback. */
export const RESERVED_PREFIXES = ['/api', '/docs', '/openapi.json', '/taxii2', '/.well-known', '/healthz', '/feeds'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// The Content-Security-Policy, framing and sniffing headers are set for every response in
// src/http/security.ts: the console loads only its own scripts; ECharts and React set inline styles.

export function isReservedPath(urlPath: string): boolean {
  return RESERVED_PREFIXES.some((p) => urlPath === p || urlPath.startsWith(p.endsWith('/') ? p : `${p}/`) || (p.includes('.') && urlPath.startsWith(p)));
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>threatshare</title><body style="font-family:sans-serif;padding:2rem">
<h1>控制台尚未构建 · The console is not built</h1><p>运行 <code>npm run build:web</code> 后刷新。 Run <code>npm run build:web</code>, then reload.</p>
<p><a href="/docs">API</a></p></body>`;

export function consoleRoutes(app: FastifyInstance, opts: { dir?: string } = {}): void {
  const dir = opts.dir ?? DEFAULT_CONSOLE_DIR;

  app.get('/*', {
    config: { public: true },
    schema: { hide: true } as object,
    handler: async (req, reply) => {
      const urlPath = decodeURIComponent(req.url.split('?')[0] ?? '/');
      if (isReservedPath(urlPath)) return sendProblem(reply, 'not_found', `No route GET ${urlPath}`);
      const file = path.resolve(dir, `.${path.posix.normalize(urlPath)}`);
      if (file.startsWith(dir + path.sep) && urlPath !== '/') {
        const stat = await fs.promises.stat(file).catch(() => null);
        if (stat?.isFile()) {
          const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
          // Vite names assets by content hash: they never change under the same name.
          reply.header('Cache-Control', urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
          return reply.type(type).send(await fs.promises.readFile(file));
        }
        if (path.extname(urlPath)) return sendProblem(reply, 'not_found', `No file ${urlPath}`);
      }
      const index = await fs.promises.readFile(path.join(dir, 'index.html'), 'utf8').catch(() => NOT_BUILT);
      return reply
        .header('Cache-Control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(index);
    },
  });
}
