import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';
import { caseOfReport, freshIp, inject, report } from '../../../test/helpers/workflow.js';

describe(`threat cases and identification (${dbLabel})`, () => {
  let h: Harness;
  let gd: TestOrg;
  let bj: TestOrg;
  let inst: TestOrg;
  let instReporter: TestOrg;
  let a: TestOrg;
  let b: TestOrg;

  before(async () => {
    h = await startHarness();
    gd = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    bj = await makeOrg(h.c, 'regulator_provincial', { province_code: '110000' });
    inst = await makeOrg(h.c, 'professional_institution');
    instReporter = await makeOrg(h.c, 'professional_institution');
    a = await makeOrg(h.c, 'security_vendor');
    b = await makeOrg(h.c, 'internet_company');
  });
  after(() => h.close());

  test('the same indicator reported by two units joins one case; both are reporters', async () => {
    const name = `join-${Date.now().toString(36)}-${process.pid}.example-threat.top`;
    const r1 = await report(h, a, [{ type: 'domain', value: name }]);
    const r2 = await report(h, b, [{ type: 'domain', value: name.toUpperCase() }, { type: 'ipv4', value: freshIp('113.108') }]);
    const c1 = await caseOfReport(h, r1.id);
    assert.equal(await caseOfReport(h, r2.id), c1);
    const kase = (await h.c.workflow.cases.getRow(c1))!;
    assert.deepEqual([...kase.reporting_org_ids].sort(), [a.id, b.id].sort());
    const trail = (await h.c.audit.forObject('case', c1)).map((e) => e.action);
    assert.ok(trail.includes('case.opened') && trail.includes('case.report_joined'));
  });

  test('lists the cases that share one indicator, for its correlation panel, inside the jurisdiction', async () => {
    const ip = freshIp('113.108');
    const r = await report(h, a, [{ type: 'ipv4', value: ip }]);
    const caseId = await caseOfReport(h, r.id);
    await report(h, b, [{ type: 'ipv4', value: freshIp('113.108') }]);
    const ind = await h.c.handle.db.selectFrom('indicators').select('id').where('type', '=', 'ipv4').where('value', '=', ip).executeTakeFirstOrThrow();
    const gdList = await inject(h, gd, 'GET', `/api/v1/cases?indicator_id=${ind.id}`);
    assert.equal(gdList.status, 200);
    assert.deepEqual(gdList.body.items.map((c: { id: string }) => c.id), [caseId]);
    // The Beijing administration does not see a Guangdong case through the filter either.
    const bjList = await inject(h, bj, 'GET', `/api/v1/cases?indicator_id=${ind.id}`);
    assert.deepEqual(bjList.body.items, []);
  });

  test('self-handled reports are counted, not queued', async () => {
    const r = await report(h, a, [{ type: 'ipv4', value: freshIp('113.108') }], { self_handled: true });
    const linked = await h.c.handle.db.selectFrom('case_reports').select('case_id').where('report_id', '=', r.id).execute();
    assert.equal(linked.length, 0);
    const counts = await inject(h, a, 'GET', '/api/v1/self-handled');
    assert.equal(counts.body.items.find((x: any) => x.org_id === a.id && x.category === 'malicious_resource').reports, 1);
  });

  test('a bulk import opens one case for the whole import', async () => {
    const p = (await h.c.auth.authenticateToken(a.token))!;
    const { receipt } = await h.c.imports.importLines(p, [freshIp('113.108'), freshIp('113.108'), freshIp('113.108')], { format: 'lines', category: 'malicious_resource', subtype: 'botnet_c2' });
    const cases = await h.c.handle.db.selectFrom('case_reports').select('case_id').where('report_id', '=', receipt.report_id!).execute();
    assert.equal(cases.length, 1);
    const detail = await inject(h, gd, 'GET', `/api/v1/cases/${cases[0].case_id}`);
    assert.equal(detail.body.indicators.length, 3);
  });

  test('never assigned to an institution whose organization reported it; a named one is refused too', async () => {
    const r = await report(h, instReporter, [{ type: 'ipv4', value: freshIp('113.108') }]);
    const caseId = await caseOfReport(h, r.id);
    for (let i = 0; i < 3; i++) {
      const assigned = await inject(h, gd, 'POST', `/api/v1/cases/${caseId}/assign`, {});
      assert.equal(assigned.status, 200);
      assert.notEqual(assigned.body.assigned_org_id, instReporter.id);
    }
    const named = await inject(h, gd, 'POST', `/api/v1/cases/${caseId}/assign`, { institution_org_id: instReporter.id });
    assert.equal(named.status, 403);
    assert.equal((await inject(h, bj, 'POST', `/api/v1/cases/${caseId}/assign`, {})).status, 404, 'another province does not even see it');
  });

  test('more information needed goes back to the reporter, who answers; then confirmed', async () => {
    const r = await report(h, a, [{ type: 'ipv4', value: freshIp('113.108') }]);
    const caseId = await caseOfReport(h, r.id);
    await inject(h, gd, 'POST', `/api/v1/cases/${caseId}/assign`, { institution_org_id: inst.id });
    const incomplete = await inject(h, inst, 'POST', `/api/v1/cases/${caseId}/identification`, { verdict: 'confirmed', severity: 'major', analysis: 'x' });
    assert.equal(incomplete.status, 400);
    assert.equal(incomplete.body.field, '/recommended_measures');
    const ask = await inject(h, inst, 'POST', `/api/v1/cases/${caseId}/identification`, { verdict: 'more_info_needed', questions: ['When was it first seen?'] });
    assert.equal(ask.body.state, 'more_info_needed');
    const seen = await inject(h, a, 'GET', `/api/v1/cases/${caseId}`);
    assert.deepEqual(seen.body.questions, ['When was it first seen?']);
    assert.equal((await inject(h, b, 'POST', `/api/v1/cases/${caseId}/information`, { answers: 'x' })).status, 404);
    const answered = await inject(h, a, 'POST', `/api/v1/cases/${caseId}/information`, { answers: 'Since 2026-01-02 03:00 UTC' });
    assert.equal(answered.body.state, 'identifying');
    assert.equal(answered.body.assigned_org_id, inst.id);
    const ok = await inject(h, inst, 'POST', `/api/v1/cases/${caseId}/identification`, { verdict: 'confirmed', severity: 'general', analysis: 'Confirmed with the answer.', recommended_measures: ['block_ip'] });
    assert.equal(ok.body.state, 'confirmed');
    const detail = await inject(h, gd, 'GET', `/api/v1/cases/${caseId}`);
    assert.deepEqual(detail.body.identifications.map((i: any) => i.verdict), ['more_info_needed', 'info_provided', 'confirmed']);
    const deliveries = await h.c.handle.db.selectFrom('webhook_deliveries').select('event_type').where('org_id', '=', a.id).execute();
    assert.ok(deliveries.some((d) => d.event_type === 'case.more_info_needed'));
  });
});
