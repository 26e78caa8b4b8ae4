/**
 * Expiry and retention as set operations (issue 15), on fresh databases (retention removes audit
 * entries and sightings; expiry sweeps every due row): each changes exactly the rows past their
 * time, every channel sees it, the audit log records it, and the chain still verifies after its
 * oldest entries went.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../../config.js';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { startFreshHarness } from '../../../test/helpers/fresh-database.js';
import { dbLabel, type Harness } from '../../../test/helpers/harness.js';
import type { Principal } from '../auth/principal.js';
import { auditRepository } from '../audit/audit.repository.js';
import { RETENTION_ACTION } from '../audit/audit.service.js';
import { cutoffOf, retentionPeriodProblem } from './retention-policy.js';
import { RetentionService } from './retention.service.js';

const tag = `${process.pid}${Date.now().toString(36)}`;
const dom = (i: number, set: string) => `${set}${i}-${tag}.retention-test.com`;
const DAY = 86_400_000;

async function importDomains(h: Harness, p: Principal, values: string[], title: string): Promise<string> {
  const { receipt } = await h.c.imports.importLines(p, values, { format: 'lines', category: 'malicious_resource', subtype: 'phishing_site', tlp: 'clear', title });
  assert.equal(receipt.accepted, values.length);
  const r = await sql<{ report_id: string }>`SELECT report_id FROM imports WHERE id = ${receipt.id}::uuid`.execute(h.c.handle.db);
  return r.rows[0].report_id;
}

const audit = (h: Harness, action: string) =>
  sql<{ seq: number; data: any }>`SELECT seq, data FROM audit_events WHERE action = ${action} ORDER BY seq`.execute(h.c.handle.db).then((r) => r.rows.map((x) => ({ seq: Number(x.seq), data: typeof x.data === 'string' ? JSON.parse(x.data) : x.data })));

describe(`retention periods (pure)`, () => {
  test('refuses an audit period below the legal minimum for network logs, and accepts 0 as for ever', () => {
    assert.match(retentionPeriodProblem({ audit_days: 30, sighting_days: 0 }) ?? '', /at least 183/);
    assert.equal(retentionPeriodProblem({ audit_days: 0, sighting_days: 0 }), null);
    assert.equal(retentionPeriodProblem({ audit_days: 183, sighting_days: 1 }), null);
    assert.match(retentionPeriodProblem({ audit_days: 365, sighting_days: -1 }) ?? '', /SIGHTING_RETENTION_DAYS/);
    assert.throws(() => loadConfig({ DATA_DIR: '/tmp/unused', AUDIT_RETENTION_DAYS: '30' }), /AUDIT_RETENTION_DAYS must be 0 or at least 183/);
    assert.equal(loadConfig({ DATA_DIR: '/tmp/unused', AUDIT_RETENTION_DAYS: '0', SIGHTING_RETENTION_DAYS: '90' }).sightingRetentionDays, 90);
    assert.equal(cutoffOf(new Date(10 * DAY), 0), null);
    assert.equal(cutoffOf(new Date(10 * DAY), 3)?.getTime(), 7 * DAY);
  });
});

describe(`expiry sweep (${dbLabel})`, () => {
  let h: Harness;
  let reporter: TestOrg;
  let ministry: TestOrg;
  const N = 40;
  before(async () => {
    h = await startFreshHarness('expiry');
    ministry = await makeOrg(h.c, 'regulator_national');
    reporter = await makeOrg(h.c, 'security_vendor', { trusted_reporter: true });
    const p = (await h.c.auth.authenticateToken(reporter.token))!;
    await importDomains(h, p, Array.from({ length: N }, (_, i) => dom(i, 'e')), 'expiry test');
  });
  after(() => h.close());

  test('expires exactly the active rows whose valid_until has passed; lookups, exports and the audit follow', async () => {
    const db = h.c.handle.db;
    // A quarter due, a quarter due but already handled, a quarter valid later, a quarter for ever.
    const due = Array.from({ length: N / 4 }, (_, i) => dom(i, 'e'));
    const handled = Array.from({ length: N / 4 }, (_, i) => dom(i + N / 4, 'e'));
    const later = Array.from({ length: N / 4 }, (_, i) => dom(i + N / 2, 'e'));
    await sql`UPDATE indicators SET valid_until = now() - interval '1 minute' WHERE value = ANY(${due}::text[])`.execute(db);
    await sql`UPDATE indicators SET valid_until = now() - interval '1 minute', status = 'handled' WHERE value = ANY(${handled}::text[])`.execute(db);
    await sql`UPDATE indicators SET valid_until = now() + interval '1 day' WHERE value = ANY(${later}::text[])`.execute(db);
    const before = await audit(h, 'indicator.expired');
    const exportBefore = (await h.app.inject({ method: 'GET', url: '/api/v1/exports/plain-domain', headers: ministry.headers })).body;
    assert.ok(later.every((v) => exportBefore.includes(v)));

    const swept = await h.c.sharing.feeds.sweepExpired(4); // several batches
    assert.equal(swept, due.length);
    const rows = await sql<{ value: string; status: string }>`SELECT value, status FROM indicators WHERE value LIKE ${`%-${tag}.retention-test.com`}`.execute(db);
    const status = new Map(rows.rows.map((r) => [r.value, r.status]));
    for (const v of due) assert.equal(status.get(v), 'expired', v);
    for (const v of handled) assert.equal(status.get(v), 'handled', v);
    for (const v of rows.rows.map((r) => r.value).filter((v) => !due.includes(v) && !handled.includes(v))) assert.equal(status.get(v), 'active', v);

    assert.equal((await h.c.indicators.find('domain', due[0]))?.status, 'expired', 'the lookup sees it');
    const lookup = await h.app.inject({ method: 'GET', url: `/api/v1/indicators/lookup?value=${due[1]}`, headers: ministry.headers });
    assert.equal(lookup.json().status ?? lookup.json().indicator?.status, 'expired', lookup.body);
    const ndjson = (await h.app.inject({ method: 'GET', url: '/api/v1/exports/ndjson', headers: ministry.headers })).body;
    for (const v of due) assert.ok(!ndjson.includes(v), `${v} still exported`);
    for (const v of later) assert.ok(ndjson.includes(v), `${v} no longer exported`);

    const entries = (await audit(h, 'indicator.expired')).slice(before.length);
    assert.equal(entries.length, 3, 'one entry per batch of 4, not one per value');
    assert.equal(entries.reduce((n, e) => n + e.data.expired, 0), due.length);
    assert.equal(await h.c.sharing.feeds.sweepExpired(), 0, 'a second sweep finds nothing');
    assert.equal((await audit(h, 'indicator.expired')).length, before.length + 3, 'and records nothing');
    assert.equal((await h.c.audit.verify()).ok, true);
  });
});

describe(`audit log retention (${dbLabel})`, () => {
  let h: Harness;
  let ministry: TestOrg;
  const db = () => h.c.handle.db;
  const verify = async () => h.c.audit.verify(undefined, await h.c.checkpoints.anchor());

  before(async () => {
    h = await startFreshHarness('auditret');
    ministry = await makeOrg(h.c, 'regulator_national');
    for (let i = 0; i < 3; i++) await makeOrg(h.c, 'security_vendor');
  });
  after(() => h.close());

  test('removes exactly the prefix older than the cutoff; the chain verifies from the recorded base', async () => {
    const oldCheckpoint = await h.c.checkpoints.write(); // (its first signature creates the key: an entry)
    const old = await auditRepository.page(db(), 0, 100_000);
    await new Promise((r) => setTimeout(r, 20));
    const cutoff = new Date();
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 2; i++) await makeOrg(h.c, 'security_vendor');
    const kept = (await auditRepository.page(db(), 0, 100_000)).filter((e) => e.seq > old[old.length - 1].seq);
    assert.ok(kept.length > 0 && kept.every((e) => new Date(e.at) >= cutoff));

    const r = await h.c.audit.retire(cutoff, { batch: 3, period_days: 365 });
    assert.equal(r.removed, old.length);
    assert.equal(r.through_seq, old[old.length - 1].seq);
    assert.equal(r.entries, Math.ceil(old.length / 3));
    const left = await auditRepository.page(db(), 0, 100_000);
    assert.deepEqual(
      left.filter((e) => e.action !== RETENTION_ACTION).map((e) => e.seq),
      kept.map((e) => e.seq),
      'exactly the entries within the period stay',
    );
    // Verify against the checkpoint written before: its entry is gone, the chain still holds.
    const v = await h.c.audit.verify(undefined, { checkpoint: oldCheckpoint, keys: (await h.c.checkpoints.anchor()).keys });
    assert.equal(v.ok, true, JSON.stringify(v));
    assert.equal(v.checkpoint?.status, 'before_retention');
    assert.deepEqual(v.retention && { through_seq: v.retention.through_seq, removed: v.retention.removed }, { through_seq: old[old.length - 1].seq, removed: old.length });
    // A checkpoint written after is checked as before.
    await h.c.checkpoints.write();
    const after = await verify();
    assert.equal(after.ok, true, JSON.stringify(after));
    assert.equal(after.checkpoint?.status, 'ok');
    const http = await h.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: ministry.headers });
    assert.equal(http.json().ok, true, http.body);
    assert.equal(http.json().retention.removed, old.length);
    assert.equal((await h.c.audit.retire(cutoff)).removed, 0, 'nothing more is past the cutoff');
  });

  test('a base the chain does not record, or one moved or removed, fails verification', async () => {
    const base = (await auditRepository.retentionBase(db()))!;
    // Removed: the chain starts at genesis again and the kept entries do not follow it.
    const saved = await sql<any>`SELECT * FROM audit_retention`.execute(db());
    await sql`DELETE FROM audit_retention`.execute(db());
    try {
      const v = await h.c.audit.verify();
      assert.equal(v.ok, false);
      assert.equal(v.break?.reason, 'gap');
    } finally {
      for (const row of saved.rows)
        await sql`INSERT INTO audit_retention (through_seq, through_hash, removed, cutoff, entry_seq, applied_at) VALUES (${row.through_seq}, ${row.through_hash}, ${row.removed}, ${row.cutoff}, ${row.entry_seq}, ${row.applied_at})`.execute(db());
    }
    assert.equal((await h.c.audit.verify()).ok, true);

    // Forged further on: entries cut by hand, a base written with the right hash but no entry of the chain recording it.
    const rows = await auditRepository.page(db(), base.through_seq, 100_000);
    const cut = rows[1];
    const removed = await sql<any>`SELECT * FROM audit_events WHERE seq > ${base.through_seq} AND seq <= ${cut.seq}`.execute(db());
    await sql`DELETE FROM audit_events WHERE seq > ${base.through_seq} AND seq <= ${cut.seq}`.execute(db());
    await sql`INSERT INTO audit_retention (through_seq, through_hash, removed, cutoff, entry_seq) VALUES (${cut.seq}, ${cut.hash}, 2, now(), ${rows[rows.length - 1].seq})`.execute(db());
    try {
      const v = await h.c.audit.verify();
      assert.equal(v.ok, false);
      assert.deepEqual(v.break, { seq: cut.seq, reason: 'retention_unattested' });
    } finally {
      await sql`DELETE FROM audit_retention WHERE through_seq = ${cut.seq}`.execute(db());
      for (const e of removed.rows) await sql`INSERT INTO audit_events SELECT * FROM json_populate_record(NULL::audit_events, ${JSON.stringify(e)}::json)`.execute(db());
    }
    assert.equal((await h.c.audit.verify()).ok, true);
  });
});

describe(`sightings retention (${dbLabel})`, () => {
  let h: Harness;
  let ministry: TestOrg;
  let reporter: TestOrg;
  let p: Principal;
  const db = () => h.c.handle.db;
  const caseOf = async (reportId: string) => (await sql<{ case_id: string }>`SELECT case_id FROM case_reports WHERE report_id = ${reportId}::uuid`.execute(db())).rows[0].case_id;
  const sightingsOf = async (reportId: string) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM sightings WHERE report_id = ${reportId}::uuid`.execute(db())).rows[0].n);
  const listingOf = async (value: string) => (await sql<{ listing: string }>`SELECT listing FROM indicators WHERE value = ${value}`.execute(db())).rows[0].listing;
  /** Ends a case `daysAgo` days ago and relists its values as the workflow would have. */
  const endCase = async (caseId: string, state: 'closed' | 'withdrawn', daysAgo: number) => {
    await sql`UPDATE threat_cases SET state = ${state}, closed_at = now() - make_interval(days => ${daysAgo}), updated_at = now() - make_interval(days => ${daysAgo}) WHERE id = ${caseId}::uuid`.execute(db());
    await db().transaction().execute(async (tx) => h.c.listing.onCaseTransition(tx, caseId, 'open', state === 'closed' ? 'confirmed' : 'withdrawn'));
  };

  before(async () => {
    h = await startFreshHarness('sightret');
    ministry = await makeOrg(h.c, 'regulator_national');
    reporter = await makeOrg(h.c, 'security_vendor');
    p = (await h.c.auth.authenticateToken(reporter.token))!;
  });
  after(() => h.close());

  test('removes the sightings of reports whose every case ended before the period, relists their values, and audits it', async () => {
    const oldValues = Array.from({ length: 30 }, (_, i) => dom(i, 'old'));
    const recentValues = Array.from({ length: 10 }, (_, i) => dom(i, 'recent'));
    const openValues = Array.from({ length: 10 }, (_, i) => dom(i, 'open'));
    const oldReport = await importDomains(h, p, oldValues, 'closed long ago');
    const recentReport = await importDomains(h, p, recentValues, 'closed lately');
    const openReport = await importDomains(h, p, openValues, 'still open');
    // The same value again in a single report that joins no closed case: a sighting row of its own.
    const again = await h.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: reporter.headers,
      payload: { category: 'malicious_resource', subtype: 'phishing_site', title: 'seen again', discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp: 'clear', observables: [{ type: 'domain', value: oldValues[0] }] },
    });
    assert.equal(again.statusCode, 201, again.body);
    const againReport = again.json().id as string;
    const againCase = await caseOf(againReport);
    const oldCase = await caseOf(oldReport);
    // The single report joined the bulk case or opened its own; keep it open in a case of its own.
    assert.notEqual(againCase, undefined);

    await endCase(oldCase, 'closed', 800);
    await endCase(await caseOf(recentReport), 'closed', 100);
    assert.equal(await listingOf(oldValues[5]), 'confirmed');
    const sightingsBefore = { old: await sightingsOf(oldReport), recent: await sightingsOf(recentReport), open: await sightingsOf(openReport), again: await sightingsOf(againReport) };
    assert.equal(sightingsBefore.old, oldValues.length);
    const exportBefore = (await h.app.inject({ method: 'GET', url: '/api/v1/exports/plain-domain', headers: ministry.headers })).body;
    assert.ok(exportBefore.includes(oldValues[5]));

    const retention = new RetentionService(db(), h.c.audit, h.c.listing, { audit_days: 0, sighting_days: 730 });
    const r = await retention.sweep();
    assert.equal(r.audit, null);
    if (againCase === oldCase) {
      // The single report joined the old case, so it ended with it: both go.
      assert.deepEqual({ cases: r.sightings?.cases, reports: r.sightings?.reports, sightings: r.sightings?.sightings }, { cases: 1, reports: 2, sightings: oldValues.length + 1 });
      assert.equal(await sightingsOf(againReport), 0);
    } else {
      assert.deepEqual({ cases: r.sightings?.cases, reports: r.sightings?.reports, sightings: r.sightings?.sightings }, { cases: 1, reports: 1, sightings: oldValues.length });
      assert.equal(await sightingsOf(againReport), sightingsBefore.again);
    }
    assert.equal(await sightingsOf(oldReport), 0);
    assert.equal(await sightingsOf(recentReport), sightingsBefore.recent, 'a case ended within the period keeps its sightings');
    assert.equal(await sightingsOf(openReport), sightingsBefore.open, 'an open case keeps its sightings');
    // Values held by no case any more are listed as reported (not blocking), the rest as before.
    assert.equal(await listingOf(oldValues[5]), 'reported');
    assert.equal(await listingOf(recentValues[0]), 'confirmed');
    const exportAfter = (await h.app.inject({ method: 'GET', url: '/api/v1/exports/plain-domain', headers: ministry.headers })).body;
    assert.ok(!exportAfter.includes(oldValues[5]), 'the blocklist drops what no kept case confirms');
    assert.ok(exportAfter.includes(recentValues[0]));
    // The indicator rows stay (a value is stored once; its summary stays).
    assert.equal(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM indicators WHERE value = ANY(${oldValues}::text[])`.execute(db())).rows[0].n), oldValues.length);

    const entries = await audit(h, 'sightings.retired');
    assert.equal(entries.length, 1);
    assert.deepEqual(entries[0].data.case_ids, [oldCase]);
    assert.equal(entries[0].data.relisted, r.sightings?.relisted);
    assert.ok((r.sightings?.relisted ?? 0) >= oldValues.length - 1);
    const again2 = await retention.sweep();
    assert.deepEqual(again2.sightings, { cases: 0, reports: 0, sightings: 0, relisted: 0 }, 'a retired case is not looked at again');
    assert.equal((await h.c.audit.verify()).ok, true);
  });

  test('a report another case still needs keeps its sightings', async () => {
    const values = Array.from({ length: 5 }, (_, i) => dom(i, 'twocases'));
    const report = await importDomains(h, p, values, 'report of two cases');
    const first = await caseOf(report);
    // A second case holding the same report, still open.
    const second = (await sql<{ id: string }>`
      INSERT INTO threat_cases (id, state, category, subtype, title, province_code, reporting_org_ids, opened_at, updated_at)
      SELECT gen_random_uuid(), 'open', category, subtype, 'second', province_code, reporting_org_ids, now(), now() FROM threat_cases WHERE id = ${first}::uuid
      RETURNING id`.execute(db())).rows[0].id;
    await sql`INSERT INTO case_reports (case_id, report_id, org_id, added_at) VALUES (${second}::uuid, ${report}::uuid, ${reporter.id}::uuid, now())`.execute(db());
    await endCase(first, 'withdrawn', 1000);
    const retention = new RetentionService(db(), h.c.audit, h.c.listing, { audit_days: 0, sighting_days: 730 });
    const r = await retention.sweep();
    assert.deepEqual({ cases: r.sightings?.cases, reports: r.sightings?.reports }, { cases: 1, reports: 0 });
    assert.equal(await sightingsOf(report), values.length);
  });
});
