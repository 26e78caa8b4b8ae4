/**
 * The API documentation page at /docs: swagger-ui in the platform's colours and name, its logo a
 * way back to the console, and every response described (swagger-ui says "Default Response"
 * where a schema carries no description).
 */
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';

const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="260" height="40" viewBox="0 0 260 40"><path d="M20 4 36 20 20 36 4 20Z" fill="#7fb2ea"/><text x="46" y="26" font-family="system-ui,sans-serif" font-size="17" font-weight="600" fill="#ffffff">threatshare · API</text></svg>`;

const CSS = `
.swagger-ui .topbar { background: #0f3d6e; padding: 6px 0; }
.swagger-ui .topbar .download-url-wrapper { display: none; }
.swagger-ui .topbar a { max-width: 260px; }
.swagger-ui .info .title { color: #0f3d6e; }
.swagger-ui .opblock-tag { color: #1d2733; }
.swagger-ui .btn.authorize { border-color: #2f6fb3; color: #2f6fb3; }
.swagger-ui .btn.authorize svg { fill: #2f6fb3; }
.swagger-ui, .swagger-ui .info, .swagger-ui .opblock-tag { font-family: system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Noto Sans CJK SC', sans-serif; }
.ts-back { position: fixed; top: 14px; right: 18px; z-index: 10; color: #fff; font: 600 13px system-ui, sans-serif; text-decoration: none; border: 1px solid rgba(255,255,255,.6); border-radius: 6px; padding: 5px 12px; }
.ts-back:hover { background: rgba(255,255,255,.12); }
@media (max-width: 760px) { .swagger-ui .wrapper { padding: 0 10px; } .ts-back { top: 10px; right: 10px; } }
`;

// A "back to the console" link in the header, beside the logo (which also goes back).
const JS = `window.addEventListener('load', function () {
  var a = document.createElement('a');
  a.href = '/'; a.className = 'ts-back'; a.textContent = '← 控制台 / Console';
  document.body.appendChild(a);
});`;

const STATUS_TEXT: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted',
  '204': 'No content',
  '304': 'Not modified (conditional GET)',
  '400': 'Problem: the request is not valid (RFC 9457)',
  '401': 'Problem: authentication is required (RFC 9457)',
  '403': 'Problem: not allowed for your organization, role or province (RFC 9457)',
  '404': 'Problem: not found, or not yours to see (RFC 9457)',
  '409': 'Problem: conflict or illegal transition (RFC 9457)',
  '413': 'Problem: too large (RFC 9457)',
  '415': 'Problem: unsupported media type (RFC 9457)',
  '422': 'Problem: idempotency key reused (RFC 9457)',
  '429': 'Problem: too many requests (RFC 9457)',
};

/** Every response gets a description by its status instead of swagger-ui's "Default Response". */
export function describeResponses<T extends Record<string, any>>(spec: T): T {
  for (const methods of Object.values<Record<string, any>>(spec.paths ?? {})) {
    for (const op of Object.values<any>(methods)) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      for (const [status, r] of Object.entries<any>(op.responses)) {
        if (r && (!r.description || r.description === 'Default Response')) r.description = STATUS_TEXT[status] ?? `HTTP ${status}`;
      }
    }
  }
  return spec;
}

export const docsUiOptions: FastifySwaggerUiOptions = {
  routePrefix: '/docs',
  uiConfig: { docExpansion: 'list', deepLinking: true },
  theme: {
    title: 'threatshare API · 接口规范',
    css: [{ filename: 'threatshare.css', content: CSS }],
    js: [{ filename: 'threatshare.js', content: JS }],
  },
  logo: { type: 'image/svg+xml', content: Buffer.from(LOGO), href: '/', target: '_self' },
  transformSpecificationClone: true,
  transformSpecification: (spec) => describeResponses(spec as Record<string, any>),
};
