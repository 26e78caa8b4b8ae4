/**
 * TAXII is complete and current at commit after a bulk import larger than one sweep batch (issue
 * 11 item 9, issue 15): the pages render the committed rows, so everything is served at once with
 * no conversion; the id map behind object-by-id resumes on the total order (updated_at, id), so no
 * import size stops it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { startFreshHarness } from '../../../test/helpers/fresh-database.js';
import { dbLabel, type Harness } from '../../../test/helpers/harness.js';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { listingRepository } from '../indicators/listing.repository.js';
import { THREATSHARE_EXTENSION_ID } from '../stix/stix-extension.js';
import type { StixObject } from '../stix/stix.types.js';

const TAXII = 'application/taxii+json;version=2.1';
const ROOT = '/taxii2/threatshare';
/** More than one conversion batch (2,000 indicators per pass). */
const IMPORTED = 2_600;

describe(`TAXII after a bulk import larger than a conversion batch (${dbLabel})`, () => {
  let h: Harness;
  let vendor: TestOrg;
  let reader: TestOrg;
  let green: string;

  before(async () => {
    // A database of its own: every page ends at the horizon of the writers in flight (after a wait
    // of HORIZON_WAIT_MS), and on a shared PostgreSQL another file's long writer (a 200,000-row
    // COPY) keeps it behind the import this suite has just committed and expects in full.
    h = await startFreshHarness('taxiicur');
    vendor = await makeOrg(h.c, 'security_vendor', { province_code: '440000' });
    reader = await makeOrg(h.c, 'internet_company', { province_code: '110000' });
    const r = await get(reader, `${ROOT}/collections/`);
    green = r.json().collections.find((c: { alias?: string }) => c.alias === 'tlp-green').id;
  });
  after(() => h.close());

  function get(org: TestOrg, url: string) {
    return h.app.inject({ method: 'GET', url, headers: { accept: TAXII, ...org.headers } });
  }

  async function readAll(url: string): Promise<StixObject[]> {
    const objects: StixObject[] = [];
    let next: string | undefined;
    do {
      const r = await get(reader, next ? `${url}&next=${encodeURIComponent(next)}` : url);
      assert.equal(r.statusCode, 200, r.body);
      const body = r.json();
      objects.push(...(body.objects ?? []));
      next = body.more ? body.next : undefined;
    } while (next);
    return objects;
  }

  test('serves every value of the import and a report made after it', async () => {
    const stamp = Date.now();
    const since = new Date(Date.now() - 1000).toISOString();
    const principal = (await h.c.auth.authenticateToken(vendor.token))!;
    const lines = Array.from({ length: IMPORTED }, (_, i) => `bulk-${i}-${stamp}.taxii-current.example.com`);
    const { receipt } = await h.c.imports.importLines(principal, lines, { format: 'lines', category: 'malicious_resource', subtype: 'phishing_site', tlp: 'green' });
    assert.equal(receipt.accepted, IMPORTED, JSON.stringify(receipt).slice(0, 500));

    const later = `later-${stamp}.taxii-current.example.com`;
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: vendor.headers,
      payload: { category: 'malicious_resource', subtype: 'phishing_site', title: 'after the import', discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp: 'green', observables: [{ type: 'domain', value: later }] },
    });
    assert.equal(r.statusCode, 201, r.body);

    // Nothing to wait for and nothing to convert: the pages render the committed rows.
    const objects = await readAll(`${ROOT}/collections/${green}/objects/?match[type]=indicator&limit=1000&added_after=${since}`);
    const patterns = new Set(objects.map((o) => String(o.pattern)));
    const missing = lines.filter((v) => !patterns.has(`[domain-name:value = '${v}']`));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} of ${IMPORTED} imported values missing from TAXII`);
    assert.ok(patterns.has(`[domain-name:value = '${later}']`), 'the report made after the import is in TAXII');

    // By id, through the id map the background sweep fills: once it has caught up, the last
    // imported value's indicator is found (the sweep resumes on (updated_at, id) past any batch).
    // The sweep's state is one row every process shares (on a shared PostgreSQL another file's
    // sweep may be half-way when it is read): what this test holds is that every imported row is
    // in the id map, the last batch's included.
    await h.c.interop.stix.catchUp();
    const imported = new Set(lines.map((v) => `[domain-name:value = '${v}']`));
    const mapped = await h.c.interop.stix.indicatorIdsOfStixIds(objects.filter((o) => o.type === 'indicator' && imported.has(String(o.pattern))).map((o) => o.id));
    assert.equal(mapped.length, IMPORTED, 'the sweep mapped every imported row');
    const last = objects.find((o) => o.pattern === `[domain-name:value = '${lines[lines.length - 1]}']`)!;
    const byId = await get(reader, `${ROOT}/collections/${green}/objects/${last.id}/`);
    assert.equal(byId.statusCode, 200, byId.body);
    assert.equal(byId.json().objects[0].id, last.id);
  });

  test(
    'a writer that began before a client\'s poll and commits after it is served by the next poll (the horizon)',
    { skip: dbLabel === 'pglite' ? 'PGlite has one connection: no write is ever in flight during a read' : false },
    async () => {
      const value = `horizon-${Date.now()}.taxii-current.example.com`;
      const since = new Date(Date.now() - 1000).toISOString();
      const r = await h.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: vendor.headers,
        payload: { category: 'malicious_resource', subtype: 'phishing_site', title: 'horizon', discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp: 'green', observables: [{ type: 'domain', value }] },
      });
      assert.equal(r.statusCode, 201, r.body);
      const id = Number(r.json().observables[0].indicator_id);
      const listingOf = (o: StixObject) => (o.extensions as Record<string, { listing?: string }>)[THREATSHARE_EXTENSION_ID]?.listing;

      // A writer begins (its transaction start is now), then waits before it writes.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let began!: () => void;
      const started = new Promise<void>((resolve) => (began = resolve));
      const writer = h.c.handle.db.transaction().execute(async (tx) => {
        await sql`SELECT 1`.execute(tx);
        began();
        await gate;
        assert.deepEqual(await listingRepository.listFresh(tx, [id], 'provisional'), [id]);
      });
      await started;
      // Another value committed while the writer waits: the client's poll is served past the writer's start.
      const other = await h.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: vendor.headers,
        payload: { category: 'malicious_resource', subtype: 'phishing_site', title: 'meanwhile', discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp: 'green', observables: [{ type: 'domain', value: `meanwhile-${value}` }] },
      });
      assert.equal(other.statusCode, 201, other.body);

      // The client polls meanwhile and keeps the last date_added it was served.
      const url = `${ROOT}/collections/${green}/objects/?match[type]=indicator&limit=1000&added_after=${since}`;
      let last = since;
      for (let next: string | undefined, first = true; first || next; first = false) {
        const page = await get(reader, next ? `${url}&next=${encodeURIComponent(next)}` : url);
        assert.equal(page.statusCode, 200, page.body);
        last = String(page.headers['x-taxii-date-added-last'] ?? last);
        next = page.json().more ? page.json().next : undefined;
      }
      release();
      await writer;

      const after = await get(reader, `${ROOT}/collections/${green}/objects/?match[type]=indicator&limit=1000&added_after=${last}`);
      assert.equal(after.statusCode, 200, after.body);
      const mine = ((after.json().objects ?? []) as StixObject[]).filter((o) => o.pattern === `[domain-name:value = '${value}']`);
      assert.deepEqual(mine.map(listingOf), ['provisional'], 'the value changed by the late writer comes again, as it now is');
    },
  );

  test('every UPDATE of indicators stamps updated_at with clock_timestamp(), which the horizon relies on', () => {
    const files = execFileSync('git', ['ls-files', 'src'], { encoding: 'utf8' }).split('\n').filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const offenders: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/UPDATE indicators\b[^`]*`/g)) {
        const stamp = /updated_at\s*=\s*([a-z_]+\(\))/.exec(m[0]);
        if (stamp === null || stamp[1] !== 'clock_timestamp()') offenders.push(`${f}: ${m[0].slice(0, 80)}`);
      }
    }
    assert.ok(files.length > 50);
    assert.deepEqual(offenders, []);
  });
});
