import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg } from '../../../test/helpers/factories.js';
import { startFreshHarness } from '../../../test/helpers/fresh-database.js';
import { dbLabel, type Harness } from '../../../test/helpers/harness.js';
import { indicatorsRepository, type IndicatorUpsert } from './indicators.repository.js';

describe(`bulk intake by COPY (${dbLabel})`, () => {
  let h: Harness;
  // A database of its own: the first test counts on nobody else drawing ids from the sequence
  // between two statements, which other files running at the same time on a shared PostgreSQL do.
  before(async () => {
    h = await startFreshHarness('bulkintake');
  });
  after(() => h.close());

  const upsert = (value: string): IndicatorUpsert => ({
    type: 'domain',
    value,
    hash_algorithm: null,
    category: 'malicious_resource',
    subtype: 'phishing_site',
    tlp: 'green',
    seen_at: new Date('2026-11-01T00:00:00Z'),
    valid_until: null,
    province_code: null,
    operator: null,
    responsible_org_id: null,
    excluded: false,
  });

  test('the ids COPY gave are found by range when nobody else drew any, and by key when someone did', async () => {
    const stamp = Date.now();
    const alone = [`a-${stamp}.example.org`, `b-${stamp}.example.org`].map(upsert);
    const shared = [`c-${stamp}.example.org`, `d-${stamp}.example.org`, `e-${stamp}.example.org`].map(upsert);
    await h.c.handle.bulkTransaction(async (tx, copyIn) => {
      const first = await indicatorsRepository.lastIdDrawn(tx);
      await indicatorsRepository.copyNew(copyIn, alone);
      const ids = await indicatorsRepository.idsGivenByCopy(tx, first, alone);
      assert.deepEqual(ids, [first + 1, first + 2]);

      // Another writer's row takes an id between the drawing point and this COPY's ids (written in
      // this transaction, it stands for another session's: PGlite has only one).
      const second = await indicatorsRepository.lastIdDrawn(tx);
      await indicatorsRepository.upsertBatch(tx, [upsert(`other-${stamp}.example.org`)]);
      await indicatorsRepository.copyNew(copyIn, shared);
      const mixed = await indicatorsRepository.idsGivenByCopy(tx, second, shared);
      const stored = await tx.selectFrom('indicators').select(['id', 'value']).where('value', 'in', shared.map((s) => s.value)).execute();
      assert.deepEqual(mixed, shared.map((s) => stored.find((r) => r.value === s.value)!.id));
      assert.ok(mixed.every((id) => id > second + 1), 'the other row took the first id');
    });
  });

  test('values COPY wrote come back with their columns and defaults, and are in the lookup index after publish', async () => {
    const stamp = Date.now();
    const rows = [`z-${stamp}.example.org`, `y-${stamp}.example.org`].map(upsert);
    const report = await h.c.handle.db.selectFrom('reports').select(['id', 'org_id']).executeTakeFirst();
    const ctx = { report_id: report?.id ?? '00000000-0000-4000-8000-000000000001', org_id: report?.org_id ?? '00000000-0000-4000-8000-000000000002', seen_at: new Date('2026-11-02T03:04:05.678Z'), tlp: 'green', valid_until: null };
    const result = await h.c.handle.bulkTransaction((tx, copyIn) =>
      h.c.indicators.ingestBulk(tx, copyIn, rows.map((r) => ({ type: 'domain', value: r.value, category: r.category, subtype: r.subtype }) as any), ctx),
    );
    assert.equal(result.inserted, 2);
    h.c.indicators.publishBulk(result);
    for (const r of rows) {
      const db = (await h.c.handle.db.selectFrom('indicators').selectAll().where('value', '=', r.value).executeTakeFirstOrThrow()) as any;
      assert.equal(db.status, 'active');
      assert.equal(db.sighting_count, 1);
      assert.equal(new Date(db.first_seen).toISOString(), '2026-11-02T03:04:05.678Z');
      const hit = (await h.c.indicators.find('domain', r.value))!;
      assert.equal(hit.id, db.id);
      assert.equal(hit.first_seen, new Date(db.first_seen).getTime());
      assert.equal(hit.tlp, 'green');
    }
    // Sorted by value, they were given ascending ids.
    const y = (await h.c.indicators.find('domain', `y-${stamp}.example.org`))!;
    const z = (await h.c.indicators.find('domain', `z-${stamp}.example.org`))!;
    assert.ok(y.id < z.id);
  });

  test("a new value the lookup filter wrongly calls stored is written by COPY with the others, and a stored one is merged", async () => {
    const stamp = Date.now();
    const report = await h.c.handle.db.selectFrom('reports').select(['id', 'org_id']).executeTakeFirst();
    const ctx = { report_id: report?.id ?? '00000000-0000-4000-8000-000000000001', org_id: report?.org_id ?? '00000000-0000-4000-8000-000000000002', seen_at: new Date('2026-11-03T00:00:00Z'), tlp: 'green', valid_until: null };
    const item = (value: string) => ({ type: 'domain', value, category: 'malicious_resource', subtype: 'phishing_site' }) as any;
    const ingest = (values: string[]) => h.c.handle.bulkTransaction((tx, copyIn) => h.c.indicators.ingestBulk(tx, copyIn, values.map(item), ctx));
    const stored = `stored-${stamp}.example.org`;
    h.c.indicators.publishBulk(await ingest([stored]));
    // A false "maybe": in the filter, not in the store (as ~1% of new values are).
    const falseMaybe = `m-${stamp}.example.org`;
    h.c.indicators.index.add('domain', falseMaybe);
    assert.ok(h.c.indicators.index.mightContain('domain', falseMaybe));
    const values = [`a-${stamp}.example.org`, falseMaybe, stored, `z-${stamp}.example.org`];
    const result = await ingest(values);
    assert.equal(result.inserted, 3);
    assert.equal(result.updated, 1);
    // Merged by upsert: the stored value only; the three new ones went by COPY, in key order.
    assert.deepEqual(result.rows.map((r) => r.value), [stored]);
    assert.deepEqual(result.fresh.flatMap((f) => f.rows.map((r) => r.value)), [`a-${stamp}.example.org`, falseMaybe, `z-${stamp}.example.org`]);
    const ids = result.fresh[0].ids;
    assert.ok(ids[0] < ids[1] && ids[1] < ids[2], 'ascending ids in key order');
    const row = await h.c.handle.db.selectFrom('indicators').selectAll().where('value', '=', falseMaybe).executeTakeFirstOrThrow();
    assert.equal(Number(row.id), ids[1]);
    assert.equal(row.sighting_count, 1);
    assert.equal((await h.c.handle.db.selectFrom('indicators').select('sighting_count').where('value', '=', stored).executeTakeFirstOrThrow()).sighting_count, 2);
  });

  test('a bulk import lists its new values as reported, a lifted one it reports again too, and a trusted reporter\'s as provisional', async () => {
    const stamp = Date.now();
    const vendor = await makeOrg(h.c, 'security_vendor');
    const principal = (await h.c.auth.authenticateToken(vendor.token))!;
    const run = (values: string[]) =>
      h.c.imports.importLines(principal, values, { format: 'lines', category: 'malicious_resource', subtype: 'phishing_site', tlp: 'green' });
    const listing = async (value: string) => (await h.c.handle.db.selectFrom('indicators').select('listing').where('value', '=', value).executeTakeFirstOrThrow()).listing;
    const lifted = `lifted-${stamp}.example.org`;
    await run([lifted]);
    await h.c.handle.db.updateTable('indicators').set({ listing: 'lifted' }).where('value', '=', lifted).execute();
    const fresh = `fresh-${stamp}.example.org`;
    const r = await run([fresh, lifted]);
    assert.equal(r.receipt.accepted, 1);
    assert.equal(r.receipt.duplicates, 1);
    assert.equal(await listing(fresh), 'reported');
    assert.equal(await listing(lifted), 'reported');
    await h.c.handle.db.updateTable('organizations').set({ provisional_listing: true }).where('id', '=', vendor.id).execute();
    const trusted = `trusted-${stamp}.example.org`;
    await run([trusted, fresh]);
    assert.equal(await listing(trusted), 'provisional');
    assert.equal(await listing(fresh), 'provisional');
  });
});
