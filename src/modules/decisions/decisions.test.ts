import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';
import { confirmedCase, freshBlock, inject } from '../../../test/helpers/workflow.js';

// Every process that signs shares the key secret (docs/workflow.md); the suites share one PostgreSQL.
process.env.THREATSHARE_KEY_SECRET ??= 'threatshare-test-only-key-secret';

describe(`decisions and routing (${dbLabel})`, () => {
  let h: Harness;
  // A Guangdong /16 no other file draws from: access-matrix draws its random /28s from 125.88, and
  // the same /28 in two files running at once would route one file's notices to the other's unit.
  const block = freshBlock('113.96');
  let gd: TestOrg;
  let bj: TestOrg;
  let inst: TestOrg;
  let vendor: TestOrg;
  let hoster: TestOrg;
  let cac: TestOrg;
  let superior: TestOrg;
  let ciiOrg: { id: string };

  before(async () => {
    h = await startHarness();
    gd = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    bj = await makeOrg(h.c, 'regulator_provincial', { province_code: '110000' });
    inst = await makeOrg(h.c, 'professional_institution');
    vendor = await makeOrg(h.c, 'security_vendor');
    hoster = await makeOrg(h.c, 'internet_company', { scopes: [{ kind: 'cidr', value: block.cidr }] });
    cac = await makeOrg(h.c, 'cyberspace_administration', { province_code: '440000' });
    superior = await makeOrg(h.c, 'superior_authority', { province_code: '440000' });
    const gov = await h.c.orgs.create(null, {
      kind: 'other',
      name: '某厅（测试）',
      short_code: `gov-${Date.now().toString(36)}-${process.pid}`,
      province_code: '440000',
      responsible_department: '信息中心',
      responsible_person: { name: 'x', phone: '+86 20 0000 0000', email: 'x@example.cn' },
      is_cii: true,
      superior_org_id: superior.id,
    } as any);
    ciiOrg = { id: gov.id };
    await h.c.refreshDirectory();
  });
  after(() => h.close());

  test('a provincial regulator cannot decide outside its province (tried)', async () => {
    const caseId = await confirmedCase(h, { reporter: vendor, institution: inst, regulator: gd, observables: [{ type: 'ipv4', value: block.ip(1) }] });
    const r = await inject(h, bj, 'POST', `/api/v1/cases/${caseId}/decisions`, { reasons: 'x', measures: [{ measure: 'block_ip' }] });
    // Another province's case does not exist for it: 404 as for GET, so the refusal reveals nothing.
    assert.equal(r.status, 404);
    assert.equal((await inject(h, bj, 'GET', `/api/v1/cases/${caseId}`)).status, 404);
    const wrongTarget = await inject(h, gd, 'POST', `/api/v1/cases/${caseId}/decisions`, { reasons: 'x', measures: [{ measure: 'block_ip', targets: [{ type: 'domain', value: 'a.cn' }] }] });
    assert.equal(wrongTarget.status, 400);
    assert.equal(wrongTarget.body.field, '/measures/0/targets/0/type');
  });

  test('declared scopes route first; an unroutable target is flagged and assigned by hand', async () => {
    const caseId = await confirmedCase(h, { reporter: vendor, institution: inst, regulator: gd, observables: [{ type: 'ipv4', value: block.ip(2) }] });
    const d = await inject(h, gd, 'POST', `/api/v1/cases/${caseId}/decisions`, {
      reasons: 'r',
      measures: [
        { measure: 'block_ip' },
        { measure: 'remediate_vulnerability', targets: [{ type: 'vulnerability', value: 'CVE-2021-44228' }] },
      ],
    });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    assert.equal(d.body.notices.length, 1);
    assert.equal(d.body.notices[0].recipient_org_id, hoster.id);
    assert.equal(d.body.unrouted.length, 1);
    assert.equal(d.body.unrouted[0].measure, 'remediate_vulnerability');
    const bad = await inject(h, gd, 'POST', `/api/v1/decisions/${d.body.id}/assign`, { measure: 'remediate_vulnerability', targets: [{ type: 'vulnerability', value: 'CVE-2000-0001' }], org_id: hoster.id });
    assert.equal(bad.status, 400);
    const ok = await inject(h, gd, 'POST', `/api/v1/decisions/${d.body.id}/assign`, { measure: 'remediate_vulnerability', targets: [{ type: 'vulnerability', value: 'CVE-2021-44228' }], org_id: hoster.id });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.unrouted, []);
    assert.equal(ok.body.notices.length, 2);
    const remediation = ok.body.notices.find((n: any) => n.measure === 'remediate_vulnerability');
    assert.ok(new Date(remediation.deadline).getTime() - Date.now() > 5 * 86_400_000, 'five working days');
  });

  test('critical information infrastructure affected: its superior authority and the cyberspace administration are notified', async () => {
    const caseId = await confirmedCase(h, {
      reporter: vendor,
      institution: inst,
      regulator: gd,
      observables: [{ type: 'ipv4', value: block.ip(3) }],
      extra: { affected_party: { name: '某厅', org_id: ciiOrg.id } },
    });
    const d = await inject(h, gd, 'POST', `/api/v1/cases/${caseId}/decisions`, { reasons: 'r', measures: [{ measure: 'block_ip' }] });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    const notified = d.body.notices.filter((n: any) => n.measure === 'notify_superior_authority').map((n: any) => n.recipient_org_id).sort();
    assert.equal(notified.length, 2);
    assert.ok(notified.includes(superior.id), 'the superior authority of the affected organization');
    // On a shared test database earlier runs registered Guangdong cyberspace administrations too.
    const other = (await h.c.orgs.getRow(notified.find((id: string) => id !== superior.id)))!;
    assert.equal(other.kind, 'cyberspace_administration');
    assert.equal(other.province_code, cac.province_code);
    for (const n of d.body.notices.filter((x: any) => x.measure === 'notify_superior_authority')) {
      assert.equal(n.deadline, null);
      assert.equal(n.requires_result, false);
    }
    // The hoster verifies its notice: every remaining notice only informs, so the case closes.
    const blockNotice = d.body.notices.find((n: any) => n.measure === 'block_ip');
    await inject(h, hoster, 'POST', `/api/v1/notices/${blockNotice.id}/acknowledge`);
    await inject(h, hoster, 'POST', `/api/v1/notices/${blockNotice.id}/result`, { summary: 'blocked' });
    await inject(h, gd, 'POST', `/api/v1/notices/${blockNotice.id}/verification`, { outcome: 'accepted' });
    assert.equal((await inject(h, gd, 'GET', `/api/v1/cases/${caseId}`)).body.state, 'closed');
  });
});
