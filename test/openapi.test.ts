import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHarness, type Harness } from './helpers/harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

test('the OpenAPI document is generated from the route schemas and lists every API route', async () => {
  const r = await h.app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(r.statusCode, 200);
  const doc = r.json();
  assert.equal(doc.openapi, '3.1.0');
  const documented = new Set<string>();
  for (const [p, ops] of Object.entries<Record<string, unknown>>(doc.paths)) for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${p}`);
  const routes = h.app.printRoutes({ commonPrefix: false });
  for (const needed of ['POST /api/v1/reports', 'POST /api/v1/imports', 'GET /api/v1/indicators/lookup', 'POST /api/v1/indicators/lookup', 'GET /api/v1/organizations/{id}']) {
    assert.ok(documented.has(needed), `${needed} is documented`);
  }
  assert.ok(routes.includes('api/v1'));
  const report = doc.paths['/api/v1/reports'].post;
  assert.ok(report.requestBody.content['application/json'].schema.properties.observables, 'the request body schema is in the document');
});

test('/docs serves the browsable documentation without credentials', async () => {
  const r = await h.app.inject({ method: 'GET', url: '/docs/' });
  assert.equal(r.statusCode, 200);
  assert.match(r.body, /swagger/i);
});

test('/healthz says ready, and whether the lookup filter is built', async () => {
  const r = await h.app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(r.statusCode, 200);
  assert.equal(r.json().status, 'ok');
  assert.equal(r.json().lookup_filter, 'ready', 'the harness builds the filter before the tests');
});

test('unknown routes answer problem+json', async () => {
  const r = await h.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
  assert.ok(r.statusCode === 401 || r.statusCode === 404);
  assert.match(r.headers['content-type'] as string, /problem\+json/);
});
