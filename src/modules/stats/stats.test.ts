import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';

describe(`threat counts for the dashboard (${dbLabel})`, () => {
  let h: Harness;
  let ministry: TestOrg;
  let gd: TestOrg;
  let unitGd: TestOrg;
  let unitBj: TestOrg;

  before(async () => {
    h = await startHarness();
    ministry = await makeOrg(h.c, 'regulator_national');
    gd = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    unitGd = await makeOrg(h.c, 'security_vendor', { province_code: '440000' });
    unitBj = await makeOrg(h.c, 'security_vendor', { province_code: '110000' });
    const submit = (org: TestOrg, category: string, subtype: string) =>
      h.app.inject({ method: 'POST', url: '/api/v1/reports', headers: org.headers, payload: { category, subtype, title: 't', discovered_at: new Date().toISOString(), tlp: 'amber', observables: [] } });
    for (const r of [await submit(unitGd, 'malicious_program', 'trojan'), await submit(unitGd, 'incident', 'page_defaced'), await submit(unitBj, 'incident', 'data_leak')]) assert.equal(r.statusCode, 201, r.body);
  });
  after(() => h.close());

  const counts = async (org: TestOrg, q = '') => {
    const r = await h.app.inject({ method: 'GET', url: `/api/v1/stats/threats${q}`, headers: org.headers });
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  };
  const countOf = (rows: { key: string | null; count: number }[], key: string | null) => rows.find((x) => x.key === key)?.count ?? 0;

  test('a unit counts its own reports by category, province and day', async () => {
    const c = await counts(unitGd);
    assert.equal(c.total, 2);
    assert.equal(countOf(c.by_category, 'incident'), 1);
    assert.equal(countOf(c.by_category, 'malicious_program'), 1);
    assert.equal(countOf(c.by_province, '440000'), 2);
    assert.equal(c.by_day.reduce((n: number, d: { count: number }) => n + d.count, 0), 2);
    assert.match(c.by_day[0].key, /^\d{4}-\d{2}-\d{2}$/);
  });

  test('every day of the window is listed, the days without a report as zero', async () => {
    const c = await counts(unitGd, '?days=7');
    // 7 days back from now spans 8 calendar days in UTC+8 (the first and today partly).
    assert.equal(c.by_day.length, 8);
    const keys = c.by_day.map((d: { key: string }) => d.key);
    assert.deepEqual(keys, [...keys].sort());
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(c.by_day.filter((d: { count: number }) => d.count === 0).length >= 6);
    assert.equal(c.by_day.reduce((n: number, d: { count: number }) => n + d.count, 0), 2);
  });

  test('a provincial administration counts its province only; the ministry the nation', async () => {
    const g = await counts(gd);
    assert.ok(g.by_province.every((x: { key: string }) => x.key === '440000'));
    const m = await counts(ministry);
    assert.ok(countOf(m.by_province, '110000') >= 1);
    assert.ok(countOf(m.by_province, '440000') >= 2);
    assert.ok(m.total >= g.total + 1);
  });

  test('the window is bounded and validated', async () => {
    assert.equal((await counts(unitGd, '?days=1')).days, 1);
    const bad = await h.app.inject({ method: 'GET', url: '/api/v1/stats/threats?days=0', headers: unitGd.headers });
    assert.equal(bad.statusCode, 400);
  });
});
