import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openFreshDatabase } from '../../test/helpers/fresh-database.js';
import { dbLabel } from '../../test/helpers/harness.js';
import { indicatorsRepository } from '../modules/indicators/indicators.repository.js';
import { changeOrderSql, INDICATOR_TLPS } from './change-order.js';
import type { DatabaseHandle } from './database.js';
import { migrate } from './migrate.js';

describe(`scans in change order merge the TLP ranges (migration 0020, ${dbLabel})`, () => {
  let handle: DatabaseHandle;
  let drop: () => Promise<void>;

  before(async () => {
    ({ handle, drop } = await openFreshDatabase('change_order'));
    await migrate(handle);
    // 200 rows, their TLPs interleaved and their change times out of id order (some share one).
    await sql`INSERT INTO indicators (type, value, category, subtype, tlp, first_seen, last_seen, updated_at)
      SELECT 'domain', 'c' || g || '.change-order.example', 'malicious_resource', 'phishing_site',
        (ARRAY['clear', 'green', 'amber', 'amber+strict', 'red'])[g * 7 % 5 + 1], now(), now(),
        '2026-01-01T00:00:00Z'::timestamptz + ((g * 37 % 50) || ' seconds')::interval
      FROM generate_series(1, 200) AS g`.execute(handle.db);
  });
  after(async () => {
    await handle.close();
    await drop();
  });

  const expected = async () =>
    (await sql<{ id: number; at: string }>`SELECT id, updated_at::text AS at FROM indicators ORDER BY updated_at, id`.execute(handle.db)).rows.map((r) => Number(r.id));

  test('pages in (updated_at, id) order across every TLP, as one ordered scan would', async () => {
    const all = await expected();
    const seen: number[] = [];
    let cursor: { at: string; id: number } | null = null;
    for (;;) {
      const page = await indicatorsRepository.changedSince(handle.db, '1970-01-01T00:00:00Z', cursor, 17);
      if (page.length === 0) break;
      seen.push(...page.map((r) => r.id));
      const last = page[page.length - 1];
      cursor = { at: last.updated_at_text, id: last.id };
    }
    assert.deepEqual(seen, all);
  });

  test('newest first, and the limit cuts the merge, not each TLP', async () => {
    const all = await expected();
    const r = await changeOrderSql<{ id: number }>({ columns: sql`i.id, i.updated_at`, where: null, desc: true, limit: 9 }).execute(handle.db);
    assert.deepEqual(r.rows.map((x) => Number(x.id)), all.slice().reverse().slice(0, 9));
  });

  test('a TLP outside the five cannot be stored (the merge would miss it)', async () => {
    assert.equal(INDICATOR_TLPS.length, 5);
    await assert.rejects(
      sql`INSERT INTO indicators (type, value, category, subtype, tlp, first_seen, last_seen) VALUES ('domain', 'white.change-order.example', 'malicious_resource', 'phishing_site', 'white', now(), now())`.execute(handle.db),
      /indicators_tlp_check/,
    );
  });
});
