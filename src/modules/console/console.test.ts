import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerProblemHandler } from '../../http/problem-handler.js';
import { registerSecurityHeaders } from '../../http/security.js';
import { consoleRoutes, isReservedPath } from './console.routes.js';

describe('serving the console', () => {
  let app: FastifyInstance;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-dist-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dir, '..', 'secret-outside.txt'), 'secret');
    app = Fastify();
    registerProblemHandler(app);
    await registerSecurityHeaders(app, { https: false });
    app.get('/api/v1/known', async () => ({ ok: true }));
    consoleRoutes(app, { dir });
    await app.ready();
  });
  after(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.join(dir, '..', 'secret-outside.txt'), { force: true });
  });

  test('serves index.html at / with a strict content security policy', async () => {
    const r = await app.inject('/');
    assert.equal(r.statusCode, 200);
    assert.match(r.headers['content-type'] as string, /text\/html/);
    assert.match(r.body, /id="root"/);
    assert.match(r.headers['content-security-policy'] as string, /script-src 'self'/);
    assert.equal(r.headers['x-frame-options'], 'DENY');
  });

  test("falls back to index.html for the console's own paths, so a reload keeps the page", async () => {
    const r = await app.inject('/cases/8b0a6c1e-0000-4000-8000-000000000000?x=1');
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /id="root"/);
  });

  test('serves hashed assets as immutable', async () => {
    const r = await app.inject('/assets/index-abc123.js');
    assert.equal(r.statusCode, 200);
    assert.match(r.headers['content-type'] as string, /javascript/);
    assert.match(r.headers['cache-control'] as string, /immutable/);
    assert.equal((await app.inject('/assets/missing.js')).statusCode, 404);
  });

  test('never shadows the API: unknown API paths stay problem+json 404s, known ones answer', async () => {
    const r = await app.inject('/api/v1/unknown');
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().code, 'not_found');
    assert.equal((await app.inject('/api/v1/known')).json().ok, true);
    for (const p of ['/taxii2/x', '/feeds/x', '/.well-known/x', '/docs/x', '/openapi.json', '/healthz']) assert.equal(isReservedPath(p), true, p);
    for (const p of ['/', '/cases', '/apiary', '/documents']) assert.equal(isReservedPath(p), false, p);
  });

  test('does not serve files outside the build directory', async () => {
    for (const url of ['/../secret-outside.txt', '/%2e%2e/secret-outside.txt', '/assets/../../secret-outside.txt']) {
      const r = await app.inject(url);
      assert.doesNotMatch(r.body, /^secret$/, url);
    }
  });
});
