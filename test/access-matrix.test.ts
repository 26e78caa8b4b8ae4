/**
 * The channel matrix (issue 12): generated from the one access table. For each TLP marking and a
 * personal value, restricted indicators are seeded (reported by a unit that did not agree to be
 * named); every principal of the table's audiences reads them through every channel that carries
 * indicators, and each channel must yield exactly what INDICATOR_ACCESS allows for the
 * principal's relations to the item: the row or not, its restricted fields or not, the reporter
 * named or not. Then the other rows of the table (webhooks, bulletins, evidence, appeals, 404s).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ACCESS_TABLE, INDICATOR_ACCESS, indicatorRelations, relationsAllowFields, relationsAllowTlp, REPORTER_NAMED_TO, renderAccessTable, TLP_ORDER } from '../src/modules/access/access.table.js';
import { isInOrganizationCollection } from '../src/modules/access/access.sql.js';
import type { Principal } from '../src/modules/auth/principal.js';
import { checkNoticeHtml, extractSignedNoticeFromHtml, type SignedDocument } from '../src/modules/notices/notice-document.js';
import { makeOrg, type TestOrg } from './helpers/factories.js';
import { dbLabel, startHarness, type Harness } from './helpers/harness.js';
import { freshBlock } from './helpers/workflow.js';

process.env.THREATSHARE_KEY_SECRET ??= 'threatshare-test-only-key-secret';

const TAXII = 'application/taxii+json;version=2.1';
const tag = `${process.pid}${Date.now().toString(36)}`;

interface Item {
  key: string;
  type: string;
  value: string;
  tlp: string;
  id: string;
  province_code: string | null;
  responsible_org_id: string | null;
  /** The province of the report that brought it (the reporter's identity follows the report). */
  report_province: string | null;
}

describe(`the channel matrix: every channel yields what the access table allows (${dbLabel})`, () => {
  let h: Harness;
  const block = freshBlock('125.88');
  const orgs: Record<string, TestOrg> = {};
  const items: Item[] = [];
  /** Before the seeds were written: a TAXII reader's added_after that takes in all of them. */
  let seededAfter = '';

  const principalOf = (o: TestOrg): Principal => ({ orgId: o.id, orgKind: o.kind, orgName: '', provinceCode: o.province_code, userId: null, tokenId: 't', username: null, roles: ['admin'] });
  /** What the table says for one principal and item. */
  const expect = (who: string, it: Item) => {
    const o = orgs[who];
    const rels = indicatorRelations(o ? principalOf(o) : null, it, who === 'reporter');
    const reportRels = indicatorRelations(o ? principalOf(o) : null, { tlp: it.tlp, province_code: it.report_province, responsible_org_id: null }, who === 'reporter');
    return { row: relationsAllowTlp(rels, it.tlp), fields: relationsAllowFields(rels, it.tlp), reporterNamed: reportRels.some((r) => REPORTER_NAMED_TO.includes(r)) };
  };
  const get = (who: string, url: string, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'GET', url, headers: { ...(orgs[who]?.headers ?? {}), ...headers } });

  before(async () => {
    h = await startHarness();
    orgs.ministry = await makeOrg(h.c, 'regulator_national');
    orgs.ca_guangdong = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    orgs.ca_beijing = await makeOrg(h.c, 'regulator_provincial', { province_code: '110000' });
    orgs.institution = await makeOrg(h.c, 'professional_institution');
    orgs.reporter = await makeOrg(h.c, 'security_vendor', { province_code: '440000' });
    orgs.responsible = await makeOrg(h.c, 'telecom_operator', { province_code: '440000', operator: 'china_telecom', scopes: [{ kind: 'cidr', value: block.cidr }] });
    orgs.outsider = await makeOrg(h.c, 'internet_company', { province_code: '310000' });
    seededAfter = new Date(Date.now() - 1000).toISOString();
    const seeds: { key: string; type: string; value: string; tlp: string }[] = TLP_ORDER.map((tlp, n) => ({ key: `ipv4 ${tlp}`, type: 'ipv4', value: block.ip(n + 1), tlp }));
    seeds.push({ key: 'email green', type: 'email', value: `victim-${tag}@example.cn`, tlp: 'green' });
    seeds.push({ key: 'phone clear', type: 'phone', value: `+861371${String(Date.now()).slice(-7)}`, tlp: 'clear' });
    for (const s of seeds) {
      const r = await h.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: orgs.reporter.headers,
        payload: { category: 'malicious_resource', subtype: 'botnet_c2', title: `matrix ${tag} ${s.key}`, discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp: s.tlp, observables: [{ type: s.type, value: s.value }] },
      });
      assert.equal(r.statusCode, 201, r.body);
      const id = r.json().observables[0].indicator_id as string;
      const report_province = r.json().province_code as string | null;
      const row = await h.c.handle.db.selectFrom('indicators').select(['value', 'tlp', 'province_code', 'responsible_org_id']).where('id', '=', Number(id) as any).executeTakeFirstOrThrow();
      items.push({ ...s, value: row.value, id, tlp: row.tlp, province_code: row.province_code, responsible_org_id: row.responsible_org_id, report_province });
    }
    // The seeds stand where the table's rows need them: in Guangdong, answered for by the operator; personal values province-less.
    for (const it of items.filter((i) => i.type === 'ipv4')) {
      assert.equal(it.province_code, '440000', it.key);
      assert.equal(it.responsible_org_id, orgs.responsible.id, it.key);
    }
    for (const it of items.filter((i) => i.type !== 'ipv4')) assert.equal(it.province_code, null, it.key);
  });
  after(async () => h.close());

  const AUDIENCES = ['ministry', 'ca_guangdong', 'ca_beijing', 'institution', 'reporter', 'responsible', 'outsider'];

  test('docs/access.md prints the table the code applies', () => {
    const doc = fs.readFileSync(new URL('../docs/access.md', import.meta.url), 'utf8');
    assert.ok(doc.includes(renderAccessTable()), 'docs/access.md holds renderAccessTable() verbatim');
    assert.ok(ACCESS_TABLE.length > 20 && Object.keys(INDICATOR_ACCESS).length === 8);
  });

  test('API indicator detail: the row, its restricted fields and the reporter as the table says', async () => {
    for (const who of AUDIENCES) {
      for (const it of items) {
        const want = expect(who, it);
        const r = await get(who, `/api/v1/indicators/${it.id}`);
        assert.equal(r.statusCode, want.row ? 200 : 404, `${who} × ${it.key}: ${r.body}`);
        if (!want.row) continue;
        const body = r.json();
        const personal = it.type !== 'ipv4';
        if (personal) assert.equal(body.value === it.value, want.fields, `${who} × ${it.key}: personal value ${body.value}`);
        assert.equal(body.responsible_org_id !== null, want.fields && it.responsible_org_id !== null, `${who} × ${it.key}: responsible unit`);
        for (const rep of body.reporters) {
          assert.equal(rep.org_id !== null, want.reporterNamed, `${who} × ${it.key}: reporter named`);
          assert.equal(rep.report_id !== null, want.reporterNamed, `${who} × ${it.key}: report id`);
        }
        if (!want.reporterNamed) assert.ok(!r.body.includes(orgs.reporter.id), `${who} × ${it.key}: reporter id in body`);
      }
    }
  });

  test('API search and lookup', async () => {
    for (const who of AUDIENCES) {
      for (const type of ['ipv4', 'email', 'phone']) {
        const r = await get(who, `/api/v1/indicators?type=${type}&limit=200&q=${encodeURIComponent(type === 'ipv4' ? block.ip(1).split('.').slice(0, 3).join('.') : items.find((i) => i.type === type)!.value)}`);
        assert.equal(r.statusCode, 200, r.body);
        const got = new Map((r.json().items as { id: string; value: string }[]).map((i) => [String(i.id), i.value]));
        for (const it of items.filter((i) => i.type === type)) {
          const want = expect(who, it);
          assert.equal(got.has(it.id), want.row, `${who} × ${it.key} in search`);
          if (want.row && type !== 'ipv4') assert.equal(got.get(it.id) === it.value, want.fields, `${who} × ${it.key}: search value ${got.get(it.id)}`);
        }
      }
      for (const it of items) {
        const r = await get(who, `/api/v1/indicators/lookup?value=${encodeURIComponent(it.value)}`);
        assert.equal(r.json().known, expect(who, it).row, `${who} × ${it.key} lookup`);
      }
    }
  });

  test('STIX export of one indicator: a personal value only to those entitled to it', async () => {
    for (const who of AUDIENCES) {
      for (const it of items) {
        const want = expect(who, it);
        const shown = it.type === 'ipv4' ? want.row : want.row && want.fields;
        const r = await get(who, `/api/v1/stix/indicators/${it.id}`);
        assert.equal(r.statusCode, shown ? 200 : 404, `${who} × ${it.key} stix: ${r.body.slice(0, 200)}`);
        if (!shown) assert.ok(!r.body.includes(it.value));
      }
    }
  });

  test('blocklist exports and the public feed carry nothing the table refuses', async () => {
    const ipv4 = items.filter((i) => i.type === 'ipv4');
    for (const who of AUDIENCES) {
      const r = await get(who, '/api/v1/exports/plain-ip');
      assert.equal(r.statusCode, 200, r.body);
      const lines = new Set(r.body.split('\n').map((l) => l.trim()));
      // A blocklist carries only what is in force (the case's state decides, not this table): so
      // what it carries must be allowed, and what the table refuses must never be in it.
      for (const it of ipv4) if (lines.has(it.value)) assert.ok(expect(who, it).row, `${who} × ${it.key} leaks into plain-ip`);
      for (const it of ipv4) if (!expect(who, it).row) assert.ok(!r.body.includes(it.value), `${who} × ${it.key} in plain-ip`);
    }
    const pub = await h.app.inject({ method: 'GET', url: '/feeds/public/plain-ip' });
    for (const it of ipv4) if (!expect('public', it).row) assert.ok(!pub.body.includes(it.value), `public × ${it.key}`);
  });

  test('TAXII: the responsible unit\u2019s collection and the province collections', async () => {
    const ipv4 = items.filter((i) => i.type === 'ipv4');
    const page = await get('responsible', `/taxii2/threatshare/collections/${orgs.responsible.id}/objects/?limit=1000`, { accept: TAXII });
    assert.equal(page.statusCode, 200, page.body);
    for (const it of ipv4) {
      const want = isInOrganizationCollection(orgs.responsible.id, { owner_org_id: null, responsible_org_id: it.responsible_org_id, tlp: it.tlp });
      // The table and the SQL agree: the responsible unit relation's markings.
      assert.equal(want, (INDICATOR_ACCESS.responsible_unit.tlps as readonly string[]).includes(it.tlp));
      assert.equal(page.body.includes(`'${it.value}'`) || page.body.includes(`"${it.value}"`) || page.body.includes(`= '${it.value}'`), want, `responsible × ${it.key} over TAXII`);
    }
    // A province collection: its administration reads it (every TLP of its province); another province's gets 404.
    const gd = (await get('ministry', '/taxii2/threatshare/collections/', { accept: TAXII })).json().collections.find((c: { alias?: string }) => c.alias === 'province-440000');
    assert.ok(gd);
    // Every page from before the seeds: on a shared PostgreSQL the first 1,000 objects of Guangdong
    // may all be other files' (and earlier runs').
    let own = '';
    for (let next: string | undefined, first = true; first || next; first = false) {
      const url = `/taxii2/threatshare/collections/${gd.id}/objects/?limit=1000&added_after=${seededAfter}${next ? `&next=${encodeURIComponent(next)}` : ''}`;
      const r = await get('ca_guangdong', url, { accept: TAXII });
      assert.equal(r.statusCode, 200, r.body);
      own += r.body;
      next = r.json().more ? r.json().next : undefined;
    }
    for (const it of ipv4) assert.ok(own.includes(`'${it.value}'`), `ca_guangdong × ${it.key} in its province collection`);
    const other = await get('ca_beijing', `/taxii2/threatshare/collections/${gd.id}/objects/?limit=1000`, { accept: TAXII });
    assert.equal(other.statusCode, 404, other.body);
  });

  test('webhooks and delivery logs: the unit, the ministry and its own province\u2019s administration only', async () => {
    const put = await h.app.inject({ method: 'PUT', url: `/api/v1/organizations/${orgs.responsible.id}/webhook`, headers: orgs.responsible.headers, payload: { url: 'http://127.0.0.1:9/hook', secret: 'sixteen-chars-secret' } });
    assert.equal(put.statusCode, 200, put.body);
    for (const [who, allowed] of [['responsible', true], ['ministry', true], ['ca_guangdong', true], ['ca_beijing', false], ['outsider', false], ['institution', false]] as const) {
      for (const url of [`/api/v1/organizations/${orgs.responsible.id}/webhook`, `/api/v1/organizations/${orgs.responsible.id}/webhook/deliveries`]) {
        const r = await get(who, url);
        assert.equal(r.statusCode === 200, allowed, `${who} ${url}: ${r.statusCode} ${r.body}`);
        if (!allowed) assert.ok(!r.body.includes('127.0.0.1:9'), `${who} learns the URL`);
      }
    }
  });

  test('bulletins: TLP at least the strictest of what they cite, and cite only what the author may see', async () => {
    const send = (who: string, payload: Record<string, unknown>) =>
      h.app.inject({ method: 'POST', url: '/api/v1/bulletins', headers: orgs[who].headers, payload: { title: `bulletin ${tag}`, body: 'b', recipients: { org_kinds: ['internet_company'] }, ...payload } });
    const byTlp = (t: string) => items.find((i) => i.key === `ipv4 ${t}`)!;
    for (const cited of TLP_ORDER) {
      for (const tlp of TLP_ORDER) {
        if (tlp === 'red') continue; // RED goes to named organizations only
        const r = await send('ministry', { tlp, indicator_ids: [byTlp(cited).id] });
        const allowed = TLP_ORDER.indexOf(tlp) >= TLP_ORDER.indexOf(cited) && cited !== 'red';
        assert.equal(r.statusCode, allowed ? 201 : 400, `TLP:${tlp} bulletin citing TLP:${cited}: ${r.body}`);
        if (!allowed) assert.equal(r.json().code, 'validation_failed');
      }
    }
    // ca_beijing may not see Guangdong's amber indicator nor cite Guangdong's case: as if they did not exist.
    const amber = await send('ca_beijing', { tlp: 'amber', indicator_ids: [byTlp('amber').id] });
    assert.equal(amber.statusCode, 400, amber.body);
    assert.equal(amber.json().field, '/indicator_ids/0');
    const caseRow = await h.c.handle.db.selectFrom('case_reports').select('case_id').where('org_id', '=', orgs.reporter.id).executeTakeFirstOrThrow();
    const cites = await send('ca_beijing', { tlp: 'amber', case_ids: [caseRow.case_id] });
    assert.equal(cites.statusCode, 400, cites.body);
    assert.equal(cites.json().field, '/case_ids/0');
    const own = await send('ca_guangdong', { tlp: 'red', recipients: { org_ids: [orgs.responsible.id] }, case_ids: [caseRow.case_id] });
    assert.equal(own.statusCode, 201, own.body);
  });
});

describe(`the workflow rows of the access table: cases, notices, evidence, appeals, audit, organizations (${dbLabel})`, () => {
  let h: Harness;
  const block = freshBlock('125.88');
  const o: Record<string, TestOrg> = {};
  let caseId: string;
  let noticeId: string;
  let sha: string;
  const call = async (who: string, method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: unknown) => {
    const r = await h.app.inject({ method, url, headers: o[who].headers, payload: payload as any });
    return { status: r.statusCode, body: r.headers['content-type']?.includes('json') ? r.json() : r.body, raw: r.body };
  };

  before(async () => {
    h = await startHarness();
    o.ministry = await makeOrg(h.c, 'regulator_national');
    o.ca_guangdong = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    o.ca_beijing = await makeOrg(h.c, 'regulator_provincial', { province_code: '110000' });
    o.institution = await makeOrg(h.c, 'professional_institution');
    o.other_institution = await makeOrg(h.c, 'professional_institution');
    o.reporter = await makeOrg(h.c, 'security_vendor', { province_code: '440000' });
    o.noticed = await makeOrg(h.c, 'telecom_operator', { province_code: '440000', operator: 'china_telecom', scopes: [{ kind: 'cidr', value: block.cidr }] });
    o.outsider = await makeOrg(h.c, 'internet_company', { province_code: '440000' });
    const rep = await call('reporter', 'POST', '/api/v1/reports', {
      category: 'malicious_resource', subtype: 'botnet_c2', title: `workflow matrix ${tag}`, discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp: 'amber',
      observables: [{ type: 'ipv4', value: block.ip(9) }],
    });
    assert.equal(rep.status, 201, rep.raw);
    const row = await h.c.handle.db.selectFrom('case_reports').select('case_id').where('report_id', '=', rep.body.id).executeTakeFirstOrThrow();
    caseId = row.case_id;
    assert.equal((await call('ca_guangdong', 'POST', `/api/v1/cases/${caseId}/assign`, { institution_org_id: o.institution.id })).status, 200);
    const v = await call('institution', 'POST', `/api/v1/cases/${caseId}/identification`, { verdict: 'confirmed', severity: 'major', analysis: 'seen', recommended_measures: ['block_ip'] });
    assert.equal(v.status, 200, v.raw);
    const d = await call('ca_guangdong', 'POST', `/api/v1/cases/${caseId}/decisions`, { reasons: 'confirmed', measures: [{ measure: 'block_ip' }] });
    assert.equal(d.status, 201, d.raw);
    noticeId = d.body.notices[0].id;
    assert.equal(d.body.notices[0].recipient_org_id, o.noticed.id);
  });
  after(async () => h.close());

  test('the noticed unit opens the case behind its notice, without the unconsented reporter', async () => {
    const r = await call('noticed', 'GET', `/api/v1/cases/${caseId}`);
    assert.equal(r.status, 200, r.raw);
    assert.equal(r.body.reporting_org_ids, null);
    assert.ok(r.body.reports.length >= 1 && r.body.reports.every((x: { org_id: string | null }) => x.org_id === null));
    assert.ok(!r.raw.includes(o.reporter.id), 'the reporter is not named');
    assert.equal((await call('outsider', 'GET', `/api/v1/cases/${caseId}`)).status, 404);
  });

  test('the reporter sees itself among the case\u2019s reporters', async () => {
    const r = await call('reporter', 'GET', `/api/v1/cases/${caseId}`);
    assert.equal(r.status, 200, r.raw);
    assert.deepEqual(r.body.reporting_org_ids, [o.reporter.id]);
  });

  test('a reporter\u2019s answer is recorded and shown as the reporter\u2019s, named only to whom reporters are named', async () => {
    const rep = await call('reporter', 'POST', '/api/v1/reports', {
      category: 'malicious_resource', subtype: 'botnet_c2', title: `question ${tag}`, discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp: 'green',
      observables: [{ type: 'ipv4', value: block.ip(11) }],
    });
    assert.equal(rep.status, 201, rep.raw);
    const cid = (await h.c.handle.db.selectFrom('case_reports').select('case_id').where('report_id', '=', rep.body.id).executeTakeFirstOrThrow()).case_id;
    assert.equal((await call('ca_guangdong', 'POST', `/api/v1/cases/${cid}/assign`, { institution_org_id: o.institution.id })).status, 200);
    const ask = await call('institution', 'POST', `/api/v1/cases/${cid}/identification`, { verdict: 'more_info_needed', questions: ['When was it first seen?'] });
    assert.equal(ask.status, 200, ask.raw);
    const answer = await call('reporter', 'POST', `/api/v1/cases/${cid}/information`, { answers: 'Yesterday at noon.' });
    assert.equal(answer.status, 200, answer.raw);
    const row = await h.c.handle.db.selectFrom('identifications').select(['author_org_id', 'institution_org_id']).where('case_id', '=', cid).where('verdict', '=', 'info_provided').executeTakeFirstOrThrow();
    assert.equal(row.author_org_id, o.reporter.id);
    for (const who of ['reporter', 'ca_guangdong', 'institution']) {
      const r = await call(who, 'GET', `/api/v1/cases/${cid}`);
      const info = r.body.identifications.find((i: { verdict: string }) => i.verdict === 'info_provided');
      assert.equal(info.author_org_id, o.reporter.id, who);
      const asked = r.body.identifications.find((i: { verdict: string }) => i.verdict === 'more_info_needed');
      assert.equal(asked.author_org_id, o.institution.id, who);
    }
  });

  test('another province\u2019s administration gets 404 for reads and writes alike', async () => {
    assert.equal((await call('ca_beijing', 'GET', `/api/v1/cases/${caseId}`)).status, 404);
    const close = await call('ca_beijing', 'POST', `/api/v1/cases/${caseId}/close`, { reasons: 'x' });
    assert.equal(close.status, 404, close.raw);
    assert.equal(close.body.code, 'not_found');
    assert.equal((await call('ca_beijing', 'POST', `/api/v1/cases/${caseId}/decisions`, { reasons: 'x', measures: [{ measure: 'block_ip' }] })).status, 404);
    assert.equal((await call('ca_beijing', 'GET', `/api/v1/notices/${noticeId}`)).status, 404);
  });

  test('notice lists: the noticed unit, regulators in their jurisdiction and institutions (handling notices)', async () => {
    for (const [who, listed] of [['noticed', true], ['ministry', true], ['ca_guangdong', true], ['institution', true], ['ca_beijing', false], ['outsider', false]] as const) {
      const r = await call(who, 'GET', `/api/v1/notices?case_id=${caseId}`);
      assert.equal(r.status, 200, r.raw);
      assert.equal(r.body.items.some((n: { id: string }) => n.id === noticeId), listed, who);
    }
  });

  test('the printable notice is checked against its signed JSON, not only the embedded document', async () => {
    for (const lang of ['zh', 'en']) {
      const page = await call('noticed', 'GET', `/api/v1/notices/${noticeId}/print?lang=${lang}`);
      assert.equal(page.status, 200);
      const html = page.raw;
      const signed = extractSignedNoticeFromHtml(html) as SignedDocument;
      assert.deepEqual(checkNoticeHtml(html, signed), { matches: true }, lang);
      const recipientEdited = html.replace(/(<span class="id">\()[0-9a-f-]{36}(\)<\/span>)(?![\s\S]*<span class="id">\([0-9a-f-]{36}\))/, `$1${o.outsider.id}$2`);
      const deadlineEdited = html.replace(/<strong>([^<]*)<\/strong>/g, (m, t) => (/\d{4}-\d{2}-\d{2}/.test(t) ? '<strong>2099-12-31 23:59:59</strong>' : m));
      for (const edited of [recipientEdited, deadlineEdited]) {
        assert.notEqual(edited, html);
        assert.equal(checkNoticeHtml(edited, extractSignedNoticeFromHtml(edited) as SignedDocument).matches, false);
      }
    }
  });

  test('result evidence: the uploader, the deciding regulator, the ministry and the case\u2019s institution', async () => {
    const up = await h.app.inject({ method: 'POST', url: '/api/v1/evidence?name=result.txt', headers: { ...o.noticed.headers, 'content-type': 'text/plain' }, payload: `null-routed ${tag}` });
    assert.equal(up.statusCode, 201, up.body);
    sha = up.json().sha256;
    assert.equal((await call('noticed', 'POST', `/api/v1/notices/${noticeId}/acknowledge`)).status, 200);
    const res = await call('noticed', 'POST', `/api/v1/notices/${noticeId}/result`, { summary: 'blocked', evidence_sha256: [sha] });
    assert.equal(res.status, 200, res.raw);
    for (const [who, allowed] of [['noticed', true], ['ca_guangdong', true], ['ministry', true], ['institution', true], ['ca_beijing', false], ['other_institution', false], ['outsider', false], ['reporter', false]] as const) {
      const r = await call(who, 'GET', `/api/v1/evidence/${sha}`);
      assert.equal(r.status, allowed ? 200 : 404, `${who}: ${r.status}`);
    }
  });

  test('appeals: the deciding regulator and the ministry list them; another province does not', async () => {
    const a = await call('noticed', 'POST', `/api/v1/cases/${caseId}/appeals`, { reasons: `reassigned ${tag}` });
    assert.equal(a.status, 201, a.raw);
    for (const [who, listed] of [['ca_guangdong', true], ['ministry', true], ['noticed', true], ['ca_beijing', false], ['outsider', false]] as const) {
      const r = await call(who, 'GET', '/api/v1/appeals');
      assert.equal(r.status, 200);
      assert.equal(r.body.items.some((x: { id: string }) => x.id === a.body.id), listed, who);
    }
  });

  test('the audit timeline: a province\u2019s entries to its administration, never province-less ones', async () => {
    const gd = await call('ca_guangdong', 'GET', `/api/v1/audit/case/${caseId}`);
    assert.equal(gd.status, 200, gd.raw);
    assert.ok(gd.body.length > 0 && gd.body.every((e: { province_code: string | null }) => e.province_code === '440000'));
    const bj = await call('ca_beijing', 'GET', `/api/v1/audit/case/${caseId}`);
    assert.deepEqual(bj.body, []);
    const nationalEntry = await call('ca_guangdong', 'GET', `/api/v1/audit/organization/${o.ministry.id}`);
    assert.equal(nationalEntry.status, 200);
    assert.deepEqual(nationalEntry.body, [], 'a province-less entry is not in a province\u2019s timeline');
    assert.ok((await call('ministry', 'GET', `/api/v1/audit/organization/${o.ministry.id}`)).body.length > 0);
  });

  test('organizations: scopes stay in the province, no absurd scope, no move out, no cyberspace administration', async () => {
    const scopes = (value: string) => call('ca_guangdong', 'PATCH', `/api/v1/organizations/${o.outsider.id}`, { scopes: [{ kind: 'cidr', value }] });
    for (const value of ['0.0.0.0/0', '1.0.0.0/4', '::/0']) {
      const r = await scopes(value);
      assert.equal(r.status, 400, `${value}: ${r.raw}`);
      assert.equal(r.body.field, '/scopes/0/value');
    }
    const beijingBlock = await scopes('123.112.0.0/16'); // ip2region: Beijing
    assert.equal(beijingBlock.status, 400, beijingBlock.raw);
    assert.match(beijingBlock.body.detail ?? beijingBlock.body.message ?? JSON.stringify(beijingBlock.body), /province 440000/);
    const guangdong = await scopes(block.cidr); // ip2region: Guangdong
    assert.equal(guangdong.status, 200, guangdong.raw);
    assert.equal((await scopes('2001:db8::/48')).status, 400, 'IPv6 is the ministry\u2019s to declare');
    const move = await call('ca_guangdong', 'PATCH', `/api/v1/organizations/${o.outsider.id}`, { province_code: '110000' });
    assert.equal(move.status, 403, move.raw);
    const cac = await call('ca_guangdong', 'POST', '/api/v1/organizations', {
      kind: 'cyberspace_administration', name: `网信 ${tag}`, short_code: `cac-${tag}`, province_code: '440000', responsible_department: 'x', responsible_person: { name: 'x', phone: '+86 20 0000 0000', email: 'x@example.cn' },
    });
    assert.equal(cac.status, 403, cac.raw);
    // The ministry declares what it likes within reason (for a Beijing unit: a Beijing block in a
    // Guangdong unit's scope would make it part of Guangdong's registry for every later run).
    const bjUnit = await makeOrg(h.c, 'internet_company', { province_code: '110000' });
    const wide = '123.112.0.0/16';
    assert.equal((await call('ministry', 'PATCH', `/api/v1/organizations/${bjUnit.id}`, { scopes: [{ kind: 'cidr', value: wide }] })).status, 200);
    assert.equal((await call('ministry', 'PATCH', `/api/v1/organizations/${bjUnit.id}`, { scopes: [{ kind: 'cidr', value: '0.0.0.0/0' }] })).status, 400);
  });
});
