import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';

const tag = `${process.pid}${Date.now().toString(36)}`;

describe(`public releases (${dbLabel})`, () => {
  let h: Harness;
  let ministry: TestOrg;
  let institution: TestOrg;
  let unit: TestOrg;
  let clearId: string;
  let amberId: string;

  before(async () => {
    h = await startHarness();
    ministry = await makeOrg(h.c, 'regulator_national');
    institution = await makeOrg(h.c, 'professional_institution');
    unit = await makeOrg(h.c, 'security_vendor');
    const submit = async (tlp: string, value: string) => {
      const r = await h.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: unit.headers,
        payload: { category: 'malicious_resource', subtype: 'phishing_site', title: 't', discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp, observables: [{ type: 'domain', value }] },
      });
      assert.equal(r.statusCode, 201, r.body);
      return r.json().observables[0].indicator_id as string;
    };
    clearId = await submit('clear', `public-${tag}.com`);
    amberId = await submit('amber', `secret-${tag}.com`);
  });
  after(() => h.close());

  const call = (org: TestOrg, method: 'POST' | 'PUT' | 'GET', url: string, payload?: object) => h.app.inject({ method, url, headers: org.headers, payload });
  const draft = (over: object = {}) => ({ title_zh: `钓鱼网站预警 ${tag}`, title_en: `Phishing warning ${tag}`, summary_zh: '摘要 <b>', summary_en: 'Summary', body_zh: '正文', warning_colour: 'orange', ...over });

  test('draft → submitted → approved → published, by the right hands only; the public page and feed show it', async () => {
    assert.equal((await call(unit, 'POST', '/api/v1/releases', draft())).statusCode, 403, 'a unit does not draft releases');
    const created = await call(institution, 'POST', '/api/v1/releases', draft({ indicator_ids: [clearId] }));
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id;
    assert.equal(created.json().state, 'draft');
    assert.equal((await h.app.inject({ method: 'GET', url: '/releases.json' })).json().items.some((r: { id: string }) => r.id === id), false);
    assert.equal((await call(institution, 'POST', `/api/v1/releases/${id}/transitions`, { action: 'publish' })).statusCode, 403);
    const early = await call(ministry, 'POST', `/api/v1/releases/${id}/transitions`, { action: 'publish' });
    assert.equal(early.statusCode, 409);
    assert.deepEqual(early.json().allowed, ['revise', 'submit']);
    assert.equal((await call(institution, 'POST', `/api/v1/releases/${id}/transitions`, { action: 'submit' })).json().state, 'submitted');
    assert.equal((await call(institution, 'POST', `/api/v1/releases/${id}/transitions`, { action: 'approve' })).statusCode, 403, 'institutions do not approve');
    assert.equal((await call(ministry, 'POST', `/api/v1/releases/${id}/transitions`, { action: 'approve' })).json().state, 'approved');
    const published = await call(ministry, 'POST', `/api/v1/releases/${id}/transitions`, { action: 'publish' });
    assert.equal(published.json().state, 'published');
    assert.ok(published.json().published_at);

    const page = await h.app.inject({ method: 'GET', url: '/releases?lang=zh' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.ok(page.body.includes(`钓鱼网站预警 ${tag}`));
    assert.ok(page.body.includes('摘要 &lt;b&gt;') && !page.body.includes('摘要 <b>'), 'escaped');
    assert.ok(page.body.includes(`public-${tag}.com`));
    assert.ok(page.body.includes('橙色预警'));
    // Times in Beijing time, labelled, never a raw ISO stamp; the page is styled.
    const bj = new Date(new Date(published.json().published_at).getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    assert.ok(page.body.includes(`${bj} 北京时间`), 'published time in Beijing time');
    assert.ok(!page.body.includes(`>${published.json().published_at}<`));
    assert.match(page.body, /<style>[^<]*article \{/);
    const en = await h.app.inject({ method: 'GET', url: '/releases?lang=en' });
    assert.ok(en.body.includes(`Phishing warning ${tag}`) && en.body.includes('Orange warning'));
    const atom = await h.app.inject({ method: 'GET', url: '/releases.atom' });
    assert.match(String(atom.headers['content-type']), /application\/atom\+xml/);
    assert.ok(atom.body.includes(`<id>urn:uuid:${id}</id>`));
    const audit = await h.c.audit.forObject('release', id);
    assert.deepEqual(audit.map((a) => a.action), ['release.drafted', 'release.submitted', 'release.approved', 'release.published']);
    assert.equal((await call(ministry, 'POST', `/api/v1/releases/${id}/transitions`, { action: 'withdraw' })).json().state, 'withdrawn');
    assert.ok(!(await h.app.inject({ method: 'GET', url: '/releases' })).body.includes(`钓鱼网站预警 ${tag}`));
  });

  test('a rejection needs reasons and goes back to the author; only TLP:CLEAR indicators can be published', async () => {
    const id = (await call(ministry, 'POST', '/api/v1/releases', draft({ indicator_ids: [amberId] }))).json().id;
    const refused = await call(ministry, 'POST', `/api/v1/releases/${id}/transitions`, { action: 'submit' });
    assert.equal(refused.statusCode, 403);
    assert.match(refused.json().detail, /TLP:CLEAR/);
    const fixed = await call(ministry, 'PUT', `/api/v1/releases/${id}`, draft({ indicator_ids: [clearId] }));
    assert.equal(fixed.statusCode, 200, fixed.body);
    await call(ministry, 'POST', `/api/v1/releases/${id}/transitions`, { action: 'submit' });
    assert.equal((await call(ministry, 'POST', `/api/v1/releases/${id}/transitions`, { action: 'reject' })).statusCode, 400);
    const rejected = await call(ministry, 'POST', `/api/v1/releases/${id}/transitions`, { action: 'reject', reasons: '证据不足' });
    assert.equal(rejected.json().state, 'rejected');
    assert.equal(rejected.json().review_reasons, '证据不足');
    assert.equal((await call(unit, 'GET', `/api/v1/releases/${id}`)).statusCode, 404, 'unpublished releases are not public');
    assert.equal((await call(ministry, 'PUT', `/api/v1/releases/${id}`, draft())).json().state, 'draft');
  });
});
