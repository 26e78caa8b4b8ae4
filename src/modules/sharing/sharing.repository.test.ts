import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openFreshDatabase } from '../../../test/helpers/fresh-database.js';
import { dbLabel } from '../../../test/helpers/harness.js';
import type { DatabaseHandle } from '../../db/database.js';
import { migrate } from '../../db/migrate.js';
import type { FeedAudience } from './feed-audience.js';
import { sharingRepository } from './sharing.repository.js';

/** Values the COPY text format has to escape; normalization would never keep them, the feed must still carry them intact. */
const AWKWARD_URLS = ['http://x.example/back\\slash', 'http://x.example/t\tab', 'http://x.example/new\nline', 'http://x.example/\\N', 'http://x.example/中文'];

describe(`blocklist values read in bulk (${dbLabel})`, () => {
  let handle: DatabaseHandle;
  let drop: () => Promise<void>;
  const unit = randomUUID();

  before(async () => {
    ({ handle, drop } = await openFreshDatabase('feed_values'));
    await migrate(handle);
    // Every combination the feed filter looks at, set-based: type, TLP, province, responsible unit,
    // status, exclusion, expiry, listing (indicators/listing.ts); then the unit's own sightings.
    await sql`INSERT INTO indicators (type, value, category, subtype, tlp, first_seen, last_seen, province_code, responsible_org_id, status, excluded, valid_until, listing)
      SELECT (ARRAY['domain', 'url', 'ipv4'])[g % 3 + 1],
        CASE g % 3 WHEN 0 THEN 'd' || g || '.feed-values.example' WHEN 1 THEN 'http://u' || g || '.example/p' ELSE '10.' || (g / 65536) || '.' || (g / 256 % 256) || '.' || (g % 256) END,
        'malicious_resource', 'phishing_site', (ARRAY['clear', 'green', 'amber', 'red'])[g % 4 + 1], now(), now(),
        (ARRAY['110000', '440000', NULL])[g % 3 + 1], CASE WHEN g % 7 = 0 THEN ${unit}::uuid ELSE gen_random_uuid() END,
        CASE WHEN g % 11 = 0 THEN 'withdrawn' ELSE 'active' END, g % 13 = 0,
        CASE WHEN g % 17 = 0 THEN now() - interval '1 day' WHEN g % 19 = 0 THEN now() + interval '1 day' END,
        (ARRAY['confirmed', 'ordered', 'provisional', 'reported', 'lifted'])[g % 5 + 1]
      FROM generate_series(1, 3000) g`.execute(handle.db);
    for (const [i, value] of AWKWARD_URLS.entries()) {
      await sql`INSERT INTO indicators (type, value, category, subtype, tlp, first_seen, last_seen, listing)
        VALUES ('url', ${value}, 'malicious_resource', 'phishing_site', ${i % 2 === 0 ? 'green' : 'red'}, now(), now(), 'confirmed')`.execute(handle.db);
    }
    await sql`INSERT INTO sighting_rows (indicator_id, report_id, org_id, seen_at)
      SELECT id, gen_random_uuid(), ${unit}::uuid, now() FROM indicators WHERE id % 5 = 0`.execute(handle.db);
  });
  after(async () => {
    await handle.close();
    await drop();
  });

  const byPages = async (audience: FeedAudience, type: string) => {
    const values: string[] = [];
    for (let afterId = 0; ; ) {
      const page = await sharingRepository.feedPage(handle.db, { audience, type, afterId, limit: 250, lean: true });
      values.push(...page.map((r) => r.value));
      if (page.length < 250) return values;
      afterId = page[page.length - 1].id;
    }
  };
  const inBulk = async (audience: FeedAudience, type: string, pageRows?: number) => {
    const values: string[] = [];
    for await (const batch of sharingRepository.feedValues(handle, { audience, type, pageRows })) values.push(...batch);
    return values;
  };

  const audiences: [string, FeedAudience][] = [
    ['everything', { kind: 'all' }],
    ['public', { kind: 'public' }],
    ['a provincial regulator', { kind: 'org', org_id: unit, province_code: '110000' }],
    ['a unit (responsible, reporter)', { kind: 'org', org_id: unit, province_code: null }],
    ['another unit', { kind: 'org', org_id: randomUUID(), province_code: null }],
  ];

  test('gives exactly the values, in the same order, that the keyset pages give, for every audience and type', async () => {
    const counts = new Map<string, number>();
    for (const [label, audience] of audiences) {
      for (const type of ['domain', 'url', 'ipv4']) {
        const expected = await byPages(audience, type);
        assert.ok(expected.length > 0, `${label} ${type}: the data covers it`);
        assert.deepEqual(await inBulk(audience, type), expected, `${label} ${type}`);
        // Small pages on PGlite (ignored by PostgreSQL's single streamed COPY): the keys join up.
        assert.deepEqual(await inBulk(audience, type, 97), expected, `${label} ${type}, pages of 97`);
        counts.set(`${label} ${type}`, expected.length);
      }
    }
    // The audiences really differ, so the comparison above covered the filter.
    assert.ok(counts.get('public domain')! < counts.get('another unit domain')!);
    assert.ok(counts.get('another unit domain')! < counts.get('a unit (responsible, reporter) domain')!);
    assert.ok(counts.get('a unit (responsible, reporter) domain')! < counts.get('everything domain')!);
  });

  test('carries values the COPY text format escapes unchanged', async () => {
    const all = await inBulk({ kind: 'all' }, 'url');
    for (const value of AWKWARD_URLS) assert.ok(all.includes(value), JSON.stringify(value));
    const publicUrls = await inBulk({ kind: 'public' }, 'url');
    assert.ok(!publicUrls.includes(AWKWARD_URLS[0]), 'TLP:GREEN is not public');
  });

  test('refuses an audience whose organization or province is not well formed', async () => {
    for (const audience of [
      { kind: 'org', org_id: "x' OR true --", province_code: null },
      { kind: 'org', org_id: unit, province_code: "1' OR '1' = '1" },
    ] as FeedAudience[]) {
      await assert.rejects(inBulk(audience, 'domain'));
    }
  });
});
