/**
 * Art. 12 through every channel: an organization that is not entitled tries to get each restricted
 * thing (a victim's contact, personal-information indicators, a TLP:AMBER and a TLP:RED indicator,
 * the reporter's identity) through each way out of the platform, and must fail. And every read of
 * restricted data by one who is entitled is in the audit log, once per request, without the data
 * itself (the table in docs/sharing.md lists the channels).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, type Harness } from '../../../test/helpers/harness.js';
import { startFreshHarness } from '../../../test/helpers/fresh-database.js';
import { caseOfReport, confirmedCase } from '../../../test/helpers/workflow.js';
import { stixIdOfIndicator } from '../stix/stix-export.js';
import { renderedIdsOf } from '../stix/stix-render.js';
import { stixRepository } from '../stix/stix.repository.js';
import type { StoredAuditEntry } from '../audit/audit.repository.js';
import { noticesRepository } from '../notices/notices.repository.js';
import { EXPORT_FORMAT_NAMES } from './exports/index.js';
import { auditedDuring, restrictedReads } from './sharing.test-support.js';

const tag = `${process.pid}${Date.now().toString(36)}`;
const VICTIM_PHONE = `+861371${String(Date.now()).slice(-7)}`;
const AMBER_DOMAIN = `amber-${tag}.com`;
const RED_DOMAIN = `red-${tag}.com`;
const EMAIL = `victim-${tag}@example.cn`;
/** Shared at TLP:GREEN, but a phone number is personal information all the same. */
const GREEN_PHONE = `+861391${String(Date.now() + 1).slice(-7)}`;
/** The number a handling notice orders stopped (Art. 8). */
const NOTICE_PHONE = `+861381${String(Date.now() + 2).slice(-7)}`;
const VICTIM_NAME = `受害用户${tag}`;
const TAXII = 'application/taxii+json;version=2.1';

describe(`restricted data never leaves through any channel to an unentitled organization (${dbLabel})`, () => {
  let h: Harness;
  let ministry: TestOrg;
  let reporter: TestOrg;
  let outsider: TestOrg;
  let institution: TestOrg;
  let operator: TestOrg;
  let reportId: string;
  let greenReportId: string;
  let emailId: string;
  let amberId: string;
  let greenPhoneId: string;
  let changesCursor: string;
  let startedAt: string;
  let base: string;
  const received: string[] = [];
  let receiver: http.Server;

  /** Every restricted string; none may appear in what the outsider gets. */
  const secrets = () => [VICTIM_PHONE, VICTIM_NAME, AMBER_DOMAIN, RED_DOMAIN, EMAIL, GREEN_PHONE, reporter.id, reportId];
  const assertClean = (channel: string, text: string) => {
    for (const s of secrets()) assert.ok(!text.includes(s), `${channel} leaks ${s}`);
  };
  /** Restricted values an audit entry must never hold: the reader learned them, the log must not. */
  const auditSecrets = () => [VICTIM_PHONE, VICTIM_NAME, AMBER_DOMAIN, RED_DOMAIN, EMAIL, GREEN_PHONE, NOTICE_PHONE, reporter.id, '张三', '+86 10 0000', 'duty@example.cn'];
  /** Exactly one `restricted.read` entry for the request, naming (at least) these fields and markings, and holding no values. */
  const assertOneRead = (entries: StoredAuditEntry[], want: { channel: string; object_type: string; object_id?: string; fields?: string[]; tlp?: string[]; ids?: string[] }) => {
    const reads = restrictedReads(entries);
    assert.equal(reads.length, 1, `${want.channel}: ${JSON.stringify(entries.map((e) => [e.action, e.data]))}`);
    const [e] = reads;
    const data = e.data as { channel: string; fields: string[]; tlp: string[]; count: number; ids: string[] };
    assert.equal(data.channel, want.channel);
    assert.equal(e.object_type, want.object_type);
    if (want.object_id) assert.equal(e.object_id, want.object_id);
    for (const f of want.fields ?? []) assert.ok(data.fields.includes(f), `${want.channel} names ${f}: ${JSON.stringify(data.fields)}`);
    for (const t of want.tlp ?? []) assert.ok(data.tlp.includes(t), `${want.channel} names TLP:${t}: ${JSON.stringify(data.tlp)}`);
    for (const id of want.ids ?? []) assert.ok(data.ids.includes(id), `${want.channel} names ${id}`);
    assert.ok(data.count >= 1 && data.ids.length >= 1 && data.ids.length <= 100);
    // The ids of the records read are named (an organization's own id included); never their values.
    const text = JSON.stringify({ ...e.data, ids: [] });
    for (const v of auditSecrets()) assert.ok(!text.includes(v), `the ${want.channel} entry holds ${v}`);
    return e;
  };
  /** A read that revealed nothing restricted writes no `restricted.read`. */
  const assertNoRead = (channel: string, entries: StoredAuditEntry[]) => assert.deepEqual(restrictedReads(entries).map((e) => e.data), [], `${channel} wrote a restricted.read`);
  const as = (org: TestOrg, url: string, headers: Record<string, string> = {}) => auditedDuring(h.c, org, () => h.app.inject({ method: 'GET', url, headers: { ...org.headers, ...headers } }));

  before(async () => {
    // Its own database: export ETags follow every indicator stored, and on a shared PostgreSQL
    // other test files store indicators between a download and its conditional repeat.
    h = await startFreshHarness('channels');
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    ministry = await makeOrg(h.c, 'regulator_national');
    reporter = await makeOrg(h.c, 'security_vendor', { province_code: '110000', trusted_reporter: true });
    outsider = await makeOrg(h.c, 'internet_company', { province_code: '310000' });
    institution = await makeOrg(h.c, 'professional_institution');
    operator = await makeOrg(h.c, 'telecom_operator', { province_code: '110000', operator: 'china_mobile' });
    startedAt = new Date(Date.now() - 1000).toISOString();
    changesCursor = (await h.app.inject({ method: 'GET', url: '/api/v1/feeds/changes?cursor=now', headers: ministry.headers })).json().next_cursor;
    const sub = await h.app.inject({
      method: 'POST',
      url: '/api/v1/subscriptions',
      headers: outsider.headers,
      payload: { events: ['notice.issued', 'indicator.new_in_scope', 'bulletin.sent'], webhook_url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, secret: 'sixteen-chars-secret' },
    });
    assert.equal(sub.statusCode, 201, sub.body);
    const post = async (tlp: string, observables: { type: string; value: string }[], extra = {}) => {
      const r = await h.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: reporter.headers,
        payload: { category: 'malicious_resource', subtype: 'phishing_site', title: `leak test ${tag}`, discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp, observables, ...extra },
      });
      assert.equal(r.statusCode, 201, r.body);
      return r.json();
    };
    const amber = await post('amber', [{ type: 'domain', value: AMBER_DOMAIN }, { type: 'email', value: EMAIL }], { affected_party: { name: VICTIM_NAME, kind: 'individual', contact: VICTIM_PHONE } });
    reportId = amber.id;
    amberId = amber.observables[0].indicator_id;
    emailId = amber.observables[1].indicator_id;
    await post('red', [{ type: 'domain', value: RED_DOMAIN }]);
    const green = await post('green', [{ type: 'phone', value: GREEN_PHONE }]);
    greenReportId = green.id;
    greenPhoneId = green.observables[0].indicator_id;
  });
  after(async () => {
    await h.close();
    await new Promise((r) => receiver.close(r));
  });

  const get = (url: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url, headers: { ...outsider.headers, ...headers } });

  test('the report view: not found, and never the victim\u2019s contact', async () => {
    const r = await get(`/api/v1/reports/${reportId}`);
    assert.equal(r.statusCode, 404);
    assertClean('report list', (await get('/api/v1/reports?limit=200')).body);
  });

  test('indicator detail, lookup and search', async () => {
    assert.equal((await get(`/api/v1/indicators/${amberId}`)).statusCode, 404);
    assert.equal((await get(`/api/v1/indicators/${emailId}`)).statusCode, 404);
    for (const v of [AMBER_DOMAIN, RED_DOMAIN, EMAIL]) {
      const r = await get(`/api/v1/indicators/lookup?value=${encodeURIComponent(v)}`);
      assert.equal(r.json().known, false, v);
    }
    assertClean('indicator search', (await get(`/api/v1/indicators?q=${encodeURIComponent('amber-')}&limit=200`)).body);
  });

  test('every export format, the incremental feed and the public feeds', async () => {
    for (const format of EXPORT_FORMAT_NAMES) {
      const r = await get(`/api/v1/exports/${format}`);
      assert.equal(r.statusCode, 200, format);
      assertClean(`export ${format}`, r.body);
      assertClean(`public ${format}`, (await h.app.inject({ method: 'GET', url: `/feeds/public/${format}` })).body);
    }
    assertClean('changes feed', (await get('/api/v1/feeds/changes?cursor=now')).body);
    // The entitled reporter does get its own amber domain (the test can fail).
    assert.ok((await h.app.inject({ method: 'GET', url: '/api/v1/exports/plain-domain', headers: reporter.headers })).body.includes(AMBER_DOMAIN));
  });

  test('TAXII collections and objects', async () => {
    const cols = await get('/taxii2/threatshare/collections/', { accept: TAXII });
    assert.equal(cols.statusCode, 200, cols.body);
    let read = 0;
    for (const c of cols.json().collections ?? []) {
      const objects = await get(`/taxii2/threatshare/collections/${c.id}/objects/?limit=1000`, { accept: TAXII });
      if (objects.statusCode === 200) read++;
      assertClean(`taxii ${c.id}`, objects.body);
    }
    assert.ok(read > 0, 'at least one collection was read');
  });

  test('the MISP feed', async () => {
    const manifest = await get('/feeds/misp/manifest.json');
    if (manifest.statusCode === 404) return;
    assertClean('misp manifest', manifest.body);
    for (const event of Object.keys(manifest.json()).slice(0, 50)) assertClean(`misp ${event}`, (await get(`/feeds/misp/${event}.json`)).body);
  });

  test('webhooks and the event stream', async () => {
    await h.c.workflow.webhooks.dispatchDue();
    assertClean('webhooks', received.join('\n'));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 1500);
    let raw = '';
    try {
      const res = await fetch(`${base}/api/v1/stream?last_event_id=0`, { headers: outsider.headers, signal: ac.signal });
      const reader = res.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        raw += new TextDecoder().decode(value);
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
    assert.match(raw, /retry: 3000/);
    assertClean('sse', raw);
  });

  test('bulletins: a personal-information value is redacted for a recipient not responsible for it; the entitled read is audited', async () => {
    const sent = await h.app.inject({
      method: 'POST',
      url: '/api/v1/bulletins',
      headers: ministry.headers,
      payload: { title: `b ${tag}`, body: 'x', tlp: 'amber', indicator_ids: [emailId], recipients: { org_ids: [outsider.id] } },
    });
    assert.equal(sent.statusCode, 201, sent.body);
    const mine = await get(`/api/v1/bulletins/${sent.json().id}`);
    assert.equal(mine.statusCode, 200);
    assert.equal(mine.json().indicators[0].value, '[redacted]');
    assertClean('bulletin', mine.body);
    await h.c.workflow.webhooks.dispatchDue();
    assertClean('bulletin webhook', received.join('\n'));
    assert.ok(received.some((b) => b.includes(sent.json().id)), 'the bulletin itself did arrive');
    // The ministry is entitled: it sees the value, and the read of a restricted field is audited.
    const { result: full, entries } = await auditedDuring(h.c, ministry, () => h.app.inject({ method: 'GET', url: `/api/v1/bulletins/${sent.json().id}`, headers: ministry.headers }));
    assert.equal(full.json().indicators[0].value, EMAIL);
    assertOneRead(entries, { channel: 'bulletin.get', object_type: 'bulletin', object_id: sent.json().id, fields: ['indicators.value'], tlp: ['amber'] });
    const list = await as(outsider, '/api/v1/bulletins');
    assertOneRead(list.entries, { channel: 'bulletin.list', object_type: 'bulletin', object_id: 'list', tlp: ['amber'], ids: [sent.json().id] });
  });

  test('public releases cannot carry personal information or non-CLEAR indicators', async () => {
    const draft = await h.app.inject({ method: 'POST', url: '/api/v1/releases', headers: ministry.headers, payload: { title_zh: 't', summary_zh: 's', body_zh: 'b', indicator_ids: [emailId] } });
    const submit = await h.app.inject({ method: 'POST', url: `/api/v1/releases/${draft.json().id}/transitions`, headers: ministry.headers, payload: { action: 'submit' } });
    assert.equal(submit.statusCode, 403);
    assertClean('releases page', (await h.app.inject({ method: 'GET', url: '/releases' })).body);
    assertClean('releases atom', (await h.app.inject({ method: 'GET', url: '/releases.atom' })).body);
  });
  // ---------------------------------------------------------------------------------------------
  // Every read of restricted data by an entitled reader is audited: one entry per request.

  test('report view and list: the entitled read is audited once; the outsider gets nothing and writes nothing', async () => {
    const one = await as(ministry, `/api/v1/reports/${reportId}`);
    assert.equal(one.result.statusCode, 200);
    assert.equal(one.result.json().affected_party.contact, VICTIM_PHONE, 'the regulator is entitled to the victim\u2019s contact');
    assertOneRead(one.entries, { channel: 'report.get', object_type: 'report', object_id: reportId, fields: ['affected_party', 'org_id', 'observables.value'], tlp: ['amber'] });
    const list = await as(ministry, `/api/v1/reports?org_id=${reporter.id}&limit=10`);
    assert.equal(list.result.json().items.length, 3);
    const e = assertOneRead(list.entries, { channel: 'report.list', object_type: 'report', object_id: 'list', fields: ['affected_party', 'org_id'], tlp: ['amber', 'red'], ids: [reportId, greenReportId] });
    assert.equal((e.data as { count: number }).count, 3);

    const denied = await as(outsider, `/api/v1/reports/${reportId}`);
    assert.equal(denied.result.statusCode, 404);
    for (const v of [VICTIM_PHONE, VICTIM_NAME, EMAIL, reporter.id]) assert.ok(!denied.result.body.includes(v));
    assertNoRead('report view (outsider)', denied.entries);
    const none = await as(outsider, '/api/v1/reports?limit=50');
    assertClean('report list', none.result.body);
    assertNoRead('report list (outsider)', none.entries);
  });

  test('organization view and list: contacts and scopes to the entitled, audited; redacted for another unit, not audited', async () => {
    const one = await as(ministry, `/api/v1/organizations/${reporter.id}`);
    assert.equal(one.result.json().responsible_person.name, '张三');
    assertOneRead(one.entries, { channel: 'organization.get', object_type: 'organization', object_id: reporter.id, fields: ['responsible_person.name', 'responsible_person.phone', 'contacts[].name'] });
    const list = await as(ministry, '/api/v1/organizations?kind=security_vendor&province_code=110000&limit=20');
    assert.ok(list.result.json().items.length >= 1);
    assertOneRead(list.entries, { channel: 'organization.list', object_type: 'organization', object_id: 'list', fields: ['contacts[].phone'] });

    const other = await as(outsider, `/api/v1/organizations/${reporter.id}`);
    assert.equal(other.result.statusCode, 200);
    assert.deepEqual(other.result.json().responsible_person, { name: '[redacted]', phone: '[redacted]', email: '[redacted]' });
    assert.deepEqual([other.result.json().contacts, other.result.json().scopes], [[], []]);
    assertNoRead('organization view (outsider)', other.entries);
    const others = await as(outsider, '/api/v1/organizations?kind=security_vendor&province_code=110000&limit=20');
    assert.ok(others.result.json().items.every((o: { contacts: unknown[] }) => o.contacts.length === 0));
    assertNoRead('organization list (outsider)', others.entries);
    // Its own record is its own, and still a read of personal information.
    const me = await as(outsider, '/api/v1/organizations/me');
    assertOneRead(me.entries, { channel: 'organization.get', object_type: 'organization', object_id: outsider.id, fields: ['responsible_person.phone'] });
    // The summary the console shows names with: who it is, nothing classified, no entry.
    const summary = await as(ministry, `/api/v1/organizations/${reporter.id}/summary`);
    assert.equal(summary.result.statusCode, 200);
    assert.deepEqual(Object.keys(summary.result.json()).sort(), ['id', 'kind', 'name', 'name_en', 'province_code', 'short_code', 'status']);
    for (const secret of ['张三', '+86 10 0000', 'duty@example.cn']) assert.ok(!summary.result.body.includes(secret), `the summary leaks ${secret}`);
    assertNoRead('organization summary (ministry)', summary.entries);
  });

  test('indicator detail and search: audited for the entitled (lookups are not); a personal value is redacted for the others', async () => {
    const detail = await as(ministry, `/api/v1/indicators/${emailId}`);
    assert.equal(detail.result.json().value, EMAIL);
    assertOneRead(detail.entries, { channel: 'indicator.detail', object_type: 'indicator', object_id: emailId, fields: ['value', 'reporters'], tlp: ['amber'] });
    // The green phone number: every unit may know it is a threat, only the entitled its value.
    const redacted = await as(outsider, `/api/v1/indicators/${greenPhoneId}`);
    assert.equal(redacted.result.statusCode, 200);
    assert.equal(redacted.result.json().value, '[redacted]');
    assert.equal(redacted.result.json().responsible_org_id, null);
    assertClean('indicator detail', redacted.result.body);
    assertNoRead('indicator detail (outsider)', redacted.entries);
    const own = await as(reporter, `/api/v1/indicators/${greenPhoneId}`);
    assert.equal(own.result.json().value, GREEN_PHONE, 'the reporter is entitled to what it reported');
    assertOneRead(own.entries, { channel: 'indicator.detail', object_type: 'indicator', object_id: greenPhoneId, fields: ['value'] });

    const search = await as(ministry, `/api/v1/indicators?q=${encodeURIComponent(`victim-${tag}`)}&limit=10`);
    assert.deepEqual(search.result.json().items.map((i: { value: string }) => i.value), [EMAIL]);
    assertOneRead(search.entries, { channel: 'indicator.search', object_type: 'indicator', object_id: 'list', fields: ['value'], tlp: ['amber'], ids: [emailId] });
    const phones = await as(outsider, `/api/v1/indicators?type=phone&q=${encodeURIComponent(GREEN_PHONE)}&limit=10`);
    assert.deepEqual(phones.result.json().items.map((i: { id: string; value: string }) => [i.id, i.value]), [[greenPhoneId, '[redacted]']]);
    assertNoRead('indicator search (outsider)', phones.entries);

    const lookup = await as(ministry, `/api/v1/indicators/lookup?value=${encodeURIComponent(AMBER_DOMAIN)}`);
    assert.equal(lookup.result.json().known, true);
    // Lookups reveal no classified field (the value is the asker's own) and are not audited as reads.
    assertNoRead('lookup (ministry)', lookup.entries);
    const batch = await auditedDuring(h.c, ministry, () =>
      h.app.inject({ method: 'POST', url: '/api/v1/indicators/lookup', headers: ministry.headers, payload: { values: [AMBER_DOMAIN, RED_DOMAIN, `unknown-${tag}.com`] } }),
    );
    assert.equal(batch.result.json().known, 2);
    assertNoRead('batch lookup (ministry)', batch.entries);
    const miss = await as(outsider, `/api/v1/indicators/lookup?value=${encodeURIComponent(AMBER_DOMAIN)}`);
    assert.equal(miss.result.json().known, false);
    assertNoRead('lookup (outsider)', miss.entries);
  });

  test('case view and list: the reporters and personal values are audited; the outsider gets nothing', async () => {
    const caseId = await caseOfReport(h, reportId);
    const one = await as(ministry, `/api/v1/cases/${caseId}`);
    assert.equal(one.result.statusCode, 200);
    assertOneRead(one.entries, { channel: 'case.get', object_type: 'case', object_id: caseId, fields: ['reporting_org_ids', 'reports.org_id', 'indicators.value'] });
    const list = await as(ministry, '/api/v1/cases?limit=5');
    assertOneRead(list.entries, { channel: 'case.list', object_type: 'case', object_id: 'list', fields: ['reporting_org_ids'] });
    const denied = await as(outsider, `/api/v1/cases/${caseId}`);
    assert.equal(denied.result.statusCode, 404);
    assertNoRead('case view (outsider)', denied.entries);
    const none = await as(outsider, '/api/v1/cases?limit=50');
    assertClean('case list', none.result.body);
    assertNoRead('case list (outsider)', none.entries);
  });

  test('decisions, notices and enforcement that name a phone number or a person: audited; the outsider gets nothing', async () => {
    const caseId = await confirmedCase(h, { reporter, institution, regulator: ministry, observables: [{ type: 'phone', value: NOTICE_PHONE }] });
    const decided = await h.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/decisions`, headers: ministry.headers, payload: { reasons: 'Fraud calls.', measures: [{ measure: 'stop_phone_number' }] } });
    assert.equal(decided.statusCode, 201, decided.body);
    let decision = decided.json();
    if (decision.notices.length === 0) {
      const assigned = await h.app.inject({ method: 'POST', url: `/api/v1/decisions/${decision.id}/assign`, headers: ministry.headers, payload: { measure: 'stop_phone_number', targets: [{ type: 'phone', value: NOTICE_PHONE }], org_id: operator.id } });
      assert.equal(assigned.statusCode, 200, assigned.body);
      decision = assigned.json();
    }
    const noticeId: string = decision.notices[0].id;

    const d = await as(ministry, `/api/v1/decisions/${decision.id}`);
    assertOneRead(d.entries, { channel: 'decision.get', object_type: 'decision', object_id: decision.id, fields: ['targets.value'] });
    const n = await as(ministry, `/api/v1/notices/${noticeId}`);
    assert.deepEqual(n.result.json().targets, [{ type: 'phone', value: NOTICE_PHONE }]);
    assertOneRead(n.entries, { channel: 'notice.get', object_type: 'notice', object_id: noticeId, fields: ['targets.value'] });
    const list = await as(ministry, `/api/v1/notices?case_id=${caseId}`);
    assertOneRead(list.entries, { channel: 'notice.list', object_type: 'notice', object_id: 'list', fields: ['targets.value'], ids: [noticeId] });
    const doc = await as(ministry, `/api/v1/notices/${noticeId}/document`);
    assert.equal(doc.result.statusCode, 200);
    assertOneRead(doc.entries, { channel: 'notice.document', object_type: 'notice', object_id: noticeId, fields: ['targets.value'] });
    const print = await as(ministry, `/api/v1/notices/${noticeId}/print`);
    assert.equal(print.result.statusCode, 200);
    assertOneRead(print.entries, { channel: 'notice.print', object_type: 'notice', object_id: noticeId, fields: ['targets.value'] });
    for (const url of [`/api/v1/decisions/${decision.id}`, `/api/v1/notices/${noticeId}`, `/api/v1/notices/${noticeId}/document`]) {
      const denied = await as(outsider, url);
      assert.ok([403, 404].includes(denied.result.statusCode), url);
      assert.ok(!denied.result.body.includes(NOTICE_PHONE));
      assertNoRead(url, denied.entries);
    }

    // Past its deadline the notice escalates (the sweep's hook, called directly: no clock to move).
    const row = (await noticesRepository.get(h.c.handle.db, noticeId))!;
    await h.c.handle.db.transaction().execute((tx) => h.c.workflow.enforcement.openForOverdue(tx, [row], new Date()));
    const ecId = (await noticesRepository.get(h.c.handle.db, noticeId))!.enforcement_case_id!;
    const interview = await h.app.inject({ method: 'POST', url: `/api/v1/enforcement-cases/${ecId}/interview`, headers: ministry.headers, payload: { held_at: new Date().toISOString(), participants: ['张三'], summary: 'Explained the delay.' } });
    assert.equal(interview.statusCode, 200, interview.body);
    const ec = await as(ministry, `/api/v1/enforcement-cases/${ecId}`);
    assertOneRead(ec.entries, { channel: 'enforcement.get', object_type: 'enforcement_case', object_id: ecId, fields: ['actions.participants'] });
    const ecs = await as(ministry, '/api/v1/enforcement-cases?limit=50');
    assertOneRead(ecs.entries, { channel: 'enforcement.list', object_type: 'enforcement_case', object_id: 'list' });
    const denied = await as(outsider, `/api/v1/enforcement-cases/${ecId}`);
    assert.equal(denied.result.statusCode, 404);
    assertNoRead('enforcement (outsider)', denied.entries);
  });

  test('STIX and TAXII: a page or object marked TLP:AMBER or stricter is audited once; CLEAR and GREEN are not', async () => {
    const cols = (await h.app.inject({ method: 'GET', url: '/taxii2/threatshare/collections/', headers: { ...ministry.headers, accept: TAXII } })).json().collections as { id: string; alias?: string }[];
    const amber = cols.find((c) => c.alias === 'tlp-amber')!;
    const green = cols.find((c) => c.alias === 'tlp-green')!;
    // Other suites add to a shared PostgreSQL meanwhile: ask for this run's amber indicator by id.
    const stixId = stixIdOfIndicator({ id: String(amberId), type: 'domain' });
    const page = await as(ministry, `/taxii2/threatshare/collections/${amber.id}/objects/?match[id]=${stixId}`, { accept: TAXII });
    assert.equal(page.result.statusCode, 200, page.result.body);
    assert.ok(page.result.body.includes(AMBER_DOMAIN), 'the amber page holds the amber domain');
    assertOneRead(page.entries, { channel: 'taxii.objects', object_type: 'taxii_collection', object_id: amber.id, tlp: ['amber'] });
    const object = await as(ministry, `/taxii2/threatshare/collections/${amber.id}/objects/${stixId}/`, { accept: TAXII });
    assertOneRead(object.entries, { channel: 'taxii.object', object_type: 'taxii_collection', object_id: amber.id, tlp: ['amber'] });
    const bundle = await as(ministry, `/api/v1/stix/objects/${stixId}`);
    assert.equal(bundle.result.statusCode, 200);
    assertOneRead(bundle.entries, { channel: 'stix.object', object_type: 'stix_object', object_id: stixId, tlp: ['amber'] });
    const indicator = await as(ministry, `/api/v1/stix/indicators/${amberId}`);
    assert.equal(indicator.result.statusCode, 200);
    assertOneRead(indicator.entries, { channel: 'stix.indicator', object_type: 'indicator', object_id: amberId, tlp: ['amber'] });

    const greenPage = await as(outsider, `/taxii2/threatshare/collections/${green.id}/objects/?added_after=${startedAt}&limit=1000`, { accept: TAXII });
    assert.equal(greenPage.result.statusCode, 200);
    assertClean('taxii green', greenPage.result.body);
    assertNoRead('taxii green page', greenPage.entries);
    // The green phone number's own objects, asked for by id: not in the TLP:GREEN collection.
    const phoneIds = (await stixRepository.indicatorsByIds(h.c.handle.db, [Number(greenPhoneId)])).flatMap(renderedIdsOf);
    assert.ok(phoneIds.length > 0, 'the phone number renders as STIX');
    const phone = await as(outsider, `/taxii2/threatshare/collections/${green.id}/objects/?match[id]=${phoneIds.join(',')}`, { accept: TAXII });
    assert.equal(phone.result.statusCode, 200);
    assert.equal(JSON.parse(phone.result.body).objects, undefined, phone.result.body);
    assertNoRead('taxii green phone', phone.entries);
    for (const url of [`/api/v1/stix/objects/${stixId}`, `/api/v1/stix/indicators/${amberId}`, `/api/v1/stix/indicators/${greenPhoneId}`]) {
      const denied = await as(outsider, url);
      assert.equal(denied.result.statusCode, 404, url);
      assertNoRead(url, denied.entries);
    }
  });

  test('CSV and NDJSON exports and the incremental feed: one entry per download or page with amber-or-stricter rows', async () => {
    for (const format of ['csv', 'ndjson']) {
      const full = await as(ministry, `/api/v1/exports/${format}?types=domain`);
      const again = await as(ministry, `/api/v1/exports/${format}?types=domain`, { 'if-none-match': full.result.headers.etag as string });
      assert.equal(full.result.statusCode, 200);
      assert.ok(full.result.body.includes(AMBER_DOMAIN));
      // Every amber-or-stricter row of the platform is in the ministry's file: counted, ids capped.
      assertOneRead(full.entries, { channel: `export.${format}`, object_type: 'export', object_id: format, tlp: ['amber', 'red'] });
      assert.equal(again.result.statusCode, 304);
      assertNoRead(`export ${format} unchanged`, again.entries);
      const other = await as(outsider, `/api/v1/exports/${format}?types=domain`);
      assertClean(`export ${format}`, other.result.body);
      assertNoRead(`export ${format} (outsider)`, other.entries);
    }
    const changes = await as(ministry, `/api/v1/feeds/changes?cursor=${changesCursor}&limit=10000`);
    assert.ok(changes.result.body.includes(AMBER_DOMAIN));
    assertOneRead(changes.entries, { channel: 'feed.changes', object_type: 'feed', object_id: 'changes', tlp: ['amber', 'red'] });
    const theirs = await as(outsider, `/api/v1/feeds/changes?cursor=${changesCursor}&limit=10000`);
    assertClean('changes feed', theirs.result.body);
    assertNoRead('changes feed (outsider)', theirs.entries);
  });

  test('the MISP feed: events with the reporter or personal values audited; a TLP:GREEN event leaves out personal values', async () => {
    const event = await as(ministry, `/feeds/misp/${reportId}.json`);
    assert.equal(event.result.statusCode, 200, event.result.body);
    assert.ok(event.result.body.includes(EMAIL));
    assertOneRead(event.entries, { channel: 'misp.event', object_type: 'misp_event', object_id: reportId, fields: ['org_id', 'observables.value'], tlp: ['amber'] });
    const manifest = await as(ministry, '/feeds/misp/manifest.json');
    assertOneRead(manifest.entries, { channel: 'misp.manifest', object_type: 'misp_event', object_id: 'manifest' });
    const green = await as(outsider, `/feeds/misp/${greenReportId}.json`);
    assert.equal(green.result.statusCode, 200);
    assertClean('misp green event', green.result.body);
    assertNoRead('misp green event (outsider)', green.entries);
    const hashes = await as(outsider, '/feeds/misp/hashes.csv');
    assertNoRead('misp hashes (outsider)', hashes.entries);
    const own = await as(reporter, `/feeds/misp/${greenReportId}.json`);
    assert.ok(own.result.body.includes(GREEN_PHONE), 'the reporter gets its own phone number');
  });

  test('the audit chain still verifies after all these reads', async () => {
    const v = await h.c.audit.verify();
    assert.equal(v.ok, true, JSON.stringify(v.break));
  });
});
