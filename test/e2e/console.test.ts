/**
 * The web console end to end, in Debian's chromium: every demo role signs in, a threat goes from
 * report to verified handling by clicking, the language switches, and a provincial officer cannot
 * open another province's case even by typing its URL. Screenshots of the main pages go to
 * docs/screenshots/ (1280×800).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { currentTotp } from '../../src/modules/auth/second-factor.js';
import { chromiumMissing, newPage, screenshot, signIn, startConsole, type ConsoleHarness } from './console-harness.js';

describe('web console in chromium', { skip: chromiumMissing }, () => {
  let h: ConsoleHarness;
  before(async () => {
    h = await startConsole();
  });
  after(async () => {
    await h?.close();
  });

  async function caseOfReport(reportId: string) {
    const row = await h.c.handle.db
      .selectFrom('case_reports as cr' as any)
      .innerJoin('threat_cases as c' as any, 'c.id' as any, 'cr.case_id' as any)
      .leftJoin('organizations as o' as any, 'o.id' as any, 'c.assigned_org_id' as any)
      .select(['c.id as id', 'c.state as state', 'o.short_code as institution'] as any)
      .where('cr.report_id' as any, '=', reportId)
      .executeTakeFirst();
    return row as unknown as { id: string; state: string; institution: string | null };
  }

  async function textOf(page: Page, selector: string) {
    return (await page.locator(selector).first().innerText()).trim();
  }

  test('every demo role signs in, sees what its organization and role allow, and signs out', async () => {
    const roles: { user: string; sees: string[]; lacks: string[] }[] = [
      { user: 'miit-officer', sees: ['/cases', '/audit', '/enforcement'], lacks: [] },
      { user: 'ca-guangdong-officer', sees: ['/cases', '/audit', '/enforcement'], lacks: [] },
      { user: 'cncert-analyst', sees: ['/cases', '/audit'], lacks: ['/enforcement'] },
      { user: 'china-telecom-guangdong-secops', sees: ['/notices', '/enforcement', '/reports/new'], lacks: ['/audit'] },
      { user: 'greatwall-reporter', sees: ['/reports/new', '/imports/new'], lacks: ['/audit'] },
      { user: 'cloudlet-handler', sees: ['/notices'], lacks: ['/audit'] },
      { user: 'registrar-handler', sees: ['/notices'], lacks: ['/audit'] },
    ];
    for (const r of roles) {
      const { context, page } = await newPage(h);
      await signIn(page, r.user);
      const cookies = await context.cookies();
      const session = cookies.find((c) => c.name === 'ts_session');
      assert.ok(session, `${r.user}: a session cookie is set`);
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Strict');
      const links = await page.locator('nav.sidebar a').evaluateAll((as) => as.map((a) => new URL((a as unknown as { href: string }).href).pathname));
      for (const s of r.sees) assert.ok(links.includes(s), `${r.user} sees ${s} (has ${links.join(' ')})`);
      for (const s of r.lacks) assert.ok(!links.includes(s), `${r.user} does not see ${s}`);
      // The page script cannot read the HTTP-only cookie.
      assert.equal(await page.evaluate(() => (globalThis as any).document.cookie.includes('ts_session')), false);
      await page.click('[data-testid=sign-out]');
      await page.waitForURL('**/login');
      await page.goto('/reports');
      await page.waitForURL('**/login');
      await context.close();
    }
  });

  test('a wrong password is refused on the sign-in page', async () => {
    const { context, page } = await newPage(h);
    await page.goto('/login');
    await screenshot(page, 'sign-in');
    await page.fill('#username', 'miit-officer');
    await page.fill('#password', 'not-the-password');
    await page.click('[data-testid=signin-submit]');
    await page.waitForSelector('[role=alert]');
    // In the user's language from the problem's code, not the server's English or the HTTP status.
    assert.match(await textOf(page, '[role=alert] strong'), /用户名或密码错误/);
    assert.doesNotMatch(await textOf(page, '[role=alert] strong'), /401|Wrong/);
    assert.equal(await page.getAttribute('#password', 'aria-invalid'), 'true');
    await context.close();
  });

  test('a new regulator admin enrols TOTP on first sign-in, gets recovery codes, and the pages break no content security policy', async () => {
    const miit = await h.c.handle.db.selectFrom('organizations').select('id').where('short_code', '=', 'miit').executeTakeFirstOrThrow();
    const username = `e2e-admin-${Date.now().toString(36)}`;
    await h.c.auth.createUser(null, { org_id: miit.id, username, display_name: '新管理员', password: 'a-long-enough-password', roles: ['admin', 'analyst'] });
    const { context, page } = await newPage(h, 'en');
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to (load|execute|apply)/i.test(m.text())) violations.push(m.text());
    });
    await page.goto('/login');
    await page.waitForSelector('[data-testid=demo-hint]');
    await page.fill('#username', username);
    await page.fill('#password', 'a-long-enough-password');
    await page.click('[data-testid=signin-submit]');
    await page.click('[data-testid=totp-start]');
    const secret = (await textOf(page, '[data-testid=totp-secret]')).replace(/\s/g, '');
    await page.fill('#totp-confirm', await currentTotp(secret));
    await page.click('[data-testid=totp-confirm-submit]');
    await page.waitForSelector('[data-testid=recovery-codes] li');
    assert.equal(await page.locator('[data-testid=recovery-codes] li').count(), 10);
    await page.click('[data-testid=totp-done]');
    await page.waitForSelector('[data-testid=who]');
    for (const url of ['/', '/cases', '/audit']) {
      await page.goto(url);
      await page.waitForSelector('[data-testid=who]');
    }
    await page.goto('/releases');
    await page.goto('/docs');
    // swagger-ui renders the whole OpenAPI document in the page: give it time on a busy machine.
    await page.waitForSelector('.swagger-ui .info', { timeout: 60_000 });
    assert.deepEqual(violations, []);
    await context.close();
  });

  test('a threat goes from report to verified handling, by clicking, in every role', async () => {
    // 1. A security vendor submits a report with evidence.
    const reporter = await newPage(h);
    let page = reporter.page;
    await signIn(page, 'greatwall-reporter');
    await page.click('nav.sidebar a[href="/reports/new"]');
    await page.selectOption('#category', 'malicious_resource');
    await page.selectOption('#subtype', 'botnet_c2');
    await page.fill('#title', '僵尸网络控制端 113.108.10.21（端到端测试）');
    await page.fill('#description', '样本回连该地址的 443 端口。');
    await page.fill('[data-testid=observable-0]', '113.108.10.21');
    await page.setInputFiles('[data-testid=evidence-input]', { name: 'pcap-summary.txt', mimeType: 'text/plain', buffer: Buffer.from('beacon to 113.108.10.21:443 every 60 s\n') });
    await page.waitForSelector('.uploads code');
    await screenshot(page, 'report-submit');
    await page.click('[data-testid=report-submit]');
    await page.waitForURL(/\/reports\/[0-9a-f-]{36}$/);
    const reportId = page.url().split('/').pop()!;
    // The detail page replaces the form once the report is read back: wait for its heading.
    await page.locator('h1', { hasText: '113.108.10.21' }).waitFor();
    assert.match(await textOf(page, 'h1'), /113\.108\.10\.21/);
    await page.locator('.mono a[href^="/api/v1/evidence/"]').first().waitFor();
    assert.equal(await page.locator('.mono a[href^="/api/v1/evidence/"]').count(), 1);
    await reporter.context.close();

    // 2. The case opened and went to an institution; its analyst confirms it.
    const kase = await caseOfReport(reportId);
    assert.equal(kase.state, 'identifying');
    assert.ok(kase.institution === 'cncert' || kase.institution === 'caict', `assigned to ${kase.institution}`);
    const analyst = await newPage(h);
    page = analyst.page;
    await signIn(page, `${kase.institution}-analyst`);
    await page.click('nav.sidebar a[href="/cases"]');
    await page.click(`a[href="/cases/${kase.id}"]`);
    await page.waitForSelector('[data-testid=verdict-form]');
    await page.check('input[name=verdict][value=confirmed]');
    await page.selectOption('#v-severity', 'general');
    await page.fill('#v-analysis', '样本分析确认该地址为僵尸网络控制端。');
    await page.check('input[type=checkbox][value=block_ip]');
    await screenshot(page, 'identification', '.action-card');
    await page.click('[data-testid=verdict-submit]');
    await page.waitForSelector('[data-testid=verdict-form]', { state: 'detached' });
    assert.equal((await caseOfReport(reportId)).state, 'confirmed');
    await analyst.context.close();

    // 3. Guangdong's administration sees it waiting, decides, and the notice is routed.
    const regulator = await newPage(h);
    page = regulator.page;
    await signIn(page, 'ca-guangdong-officer');
    await page.waitForSelector(`[data-testid=work-waiting] a[href="/cases/${kase.id}"]`);
    await screenshot(page, 'dashboard');
    await page.click(`[data-testid=work-waiting] a[href="/cases/${kase.id}"]`);
    await page.waitForSelector('[data-testid=decision-form]');
    assert.equal(await page.isChecked('[data-testid=measure-block_ip]'), true, 'the recommended measure is preselected');
    await page.fill('#dec-reasons', '同意认定意见，封堵该控制端地址。');
    await screenshot(page, 'decision', '.action-card');
    await page.click('[data-testid=decision-submit]');
    await page.waitForSelector('[data-testid=routed-units] li');
    const routed = await textOf(page, '[data-testid=routed-units]');
    assert.match(routed, /中国电信|China Telecom/);
    const noticeHref = await page.locator('[data-testid=routed-units] a[href^="/notices/"]').first().getAttribute('href');
    assert.ok(noticeHref);
    await regulator.context.close();

    // 4. The operator's branch verifies the signature, acknowledges and reports the result.
    const unit = await newPage(h);
    page = unit.page;
    await signIn(page, 'china-telecom-guangdong-secops');
    await page.click('nav.sidebar a[href="/notices"]');
    await page.click(`a[href="${noticeHref}"]`);
    await page.waitForSelector('[data-testid=countdown]');
    assert.match(await textOf(page, '[data-testid=countdown]'), /剩余/);
    await page.click('[data-testid=verify-signature]');
    await page.waitForSelector('[data-testid=signature-result]');
    assert.match(await textOf(page, '[data-testid=signature-result]'), /签名有效/);
    await screenshot(page, 'notice');
    const printHref = await page.getAttribute('[data-testid=print-notice]', 'href');
    const print = await page.request.get(printHref!);
    assert.equal(print.status(), 200);
    assert.match(await print.text(), /113\.108\.10\.21/);
    await page.click('[data-testid=acknowledge]');
    await page.waitForSelector('[data-testid=result-form]');
    await page.fill('#r-summary', '已在省网出口封堵 113.108.10.21。');
    await page.click('[data-testid=result-submit]');
    await page.waitForSelector('[data-testid=result-form]', { state: 'detached' });
    // The noticed unit asks for review (复核) of the finding from the notice.
    await page.click('[data-testid=appeal-open]');
    await page.fill('#ap-reasons', '该地址所属客户主机已清除木马，申请复核。');
    await page.click('[data-testid=appeal-submit]');
    await page.waitForSelector('[data-testid=appeal-form]', { state: 'detached' });
    await unit.context.close();

    // 5. The administration verifies the result; the case closes.
    const again = await newPage(h);
    page = again.page;
    await signIn(page, 'ca-guangdong-officer');
    await page.goto(noticeHref!);
    await page.waitForSelector('[data-testid=verify-form]');
    await page.check('input[name=outcome]');
    await page.click('[data-testid=verify-submit]');
    await page.waitForSelector('[data-testid=verify-form]', { state: 'detached' });
    assert.equal((await caseOfReport(reportId)).state, 'closed');
    await page.goto(`/cases/${kase.id}`);
    await page.waitForSelector('[data-testid=case-notices]');
    await screenshot(page, 'case');
    await page.goto(`/audit/case/${kase.id}`);
    await page.waitForSelector('[data-testid=timeline] li');
    assert.ok((await page.locator('[data-testid=timeline] li').count()) >= 4);
    await screenshot(page, 'audit-timeline');
    await again.context.close();

    // 6. The reviewing institution (never the one that identified) decides the appeal.
    const appeal = (await h.c.handle.db
      .selectFrom('appeals as a' as any)
      .innerJoin('organizations as o' as any, 'o.id' as any, 'a.reviewer_org_id' as any)
      .select(['a.id as id', 'a.state as state', 'o.short_code as reviewer'] as any)
      .where('a.case_id' as any, '=', kase.id)
      .executeTakeFirst()) as unknown as { id: string; state: string; reviewer: string } | undefined;
    assert.ok(appeal, 'the appeal was recorded');
    assert.equal(appeal.state, 'under_review');
    assert.notEqual(appeal.reviewer, kase.institution);
    const reviewer = await newPage(h);
    page = reviewer.page;
    await signIn(page, `${appeal.reviewer}-analyst`);
    await page.click('nav.sidebar a[href="/appeals"]');
    await page.waitForSelector('[data-testid=appeal-outcome]');
    await page.fill('[data-testid=appeal-outcome] textarea', '复核维持原认定：样本回连记录充分。');
    await screenshot(page, 'appeals');
    await page.click('[data-testid=appeal-outcome] button[type=submit]');
    await page.waitForSelector('[data-testid=appeal-outcome]', { state: 'detached' });
    const decided = (await h.c.handle.db.selectFrom('appeals' as any).select(['state'] as any).where('id' as any, '=', appeal.id).executeTakeFirst()) as unknown as { state: string };
    assert.equal(decided.state, 'upheld');
    await reviewer.context.close();
  });

  /** An API token of a demo organization, for the steps a test does not click. */
  async function tokenOf(shortCode: string): Promise<{ org_id: string; headers: Record<string, string> }> {
    const org = (await h.c.handle.db.selectFrom('organizations').select(['id']).where('short_code', '=', shortCode).executeTakeFirstOrThrow()) as { id: string };
    const t = await h.c.auth.createToken(null, { org_id: org.id, name: `e2e ${shortCode}`, roles: ['admin', 'analyst', 'reporter', 'handler'] });
    return { org_id: org.id, headers: { authorization: `Bearer ${t.token}` } };
  }

  test('the reporter answers the institution\u2019s questions as itself; the noticed unit opens the case behind its notice', async () => {
    const vendor = await tokenOf('demo-vendor-greatwall');
    const rep = await h.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: vendor.headers,
      payload: { category: 'malicious_resource', subtype: 'botnet_c2', title: '需补充材料的控制端 113.108.10.77', discovered_at: new Date(Date.now() - 600_000).toISOString(), tlp: 'amber', observables: [{ type: 'ipv4', value: '113.108.10.77' }] },
    });
    assert.equal(rep.statusCode, 201, rep.body);
    const caseId = rep.json().case_id as string;
    const kase = await caseOfReport(rep.json().id);
    const institution = await tokenOf(kase.institution!);
    const ask = await h.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/identification`, headers: institution.headers, payload: { verdict: 'more_info_needed', questions: ['请提供样本回连的抓包摘要。'] } });
    assert.equal(ask.statusCode, 200, ask.body);

    // The reporter sees the question on its case and answers it in the console.
    const reporter = await newPage(h);
    let page = reporter.page;
    await signIn(page, 'greatwall-reporter');
    await page.goto(`/cases/${caseId}`);
    await page.waitForSelector('[data-testid=information-form]');
    assert.match(await textOf(page, '.action-card'), /抓包摘要/);
    await page.fill('#i-answers', '已上传抓包摘要：每 60 秒回连 443 端口。');
    await page.click('[data-testid=information-form] button[type=submit]');
    await page.waitForSelector('[data-testid=information-form]', { state: 'detached' });
    await reporter.context.close();
    assert.equal((await caseOfReport(rep.json().id)).state, 'identifying');
    const answered = await h.c.audit.forObject('case', caseId);
    const provide = answered.find((e) => e.action === 'case.provide_info');
    assert.ok(provide, 'the answer is in the case\u2019s trail');
    assert.equal(provide.actor_org_id, vendor.org_id, 'recorded as the reporter\u2019s, not the institution\u2019s');

    // Confirmed and decided; the noticed unit follows its notice to the case.
    const confirm = await h.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/identification`, headers: institution.headers, payload: { verdict: 'confirmed', severity: 'general', analysis: '抓包确认。', recommended_measures: ['block_ip'] } });
    assert.equal(confirm.statusCode, 200, confirm.body);
    const gd = await tokenOf('ca-guangdong');
    const decided = await h.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/decisions`, headers: gd.headers, payload: { reasons: '同意认定，封堵。', measures: [{ measure: 'block_ip' }] } });
    assert.equal(decided.statusCode, 201, decided.body);
    const noticeId = decided.json().notices[0].id as string;
    const unit = await newPage(h);
    page = unit.page;
    await signIn(page, 'china-telecom-guangdong-secops');
    await page.goto(`/notices/${noticeId}`);
    await page.click(`a[href="/cases/${caseId}"]`);
    await page.locator('h1', { hasText: '113.108.10.77' }).waitFor();
    const body = await page.locator('main').innerText();
    assert.doesNotMatch(body, /长城示范/, 'the unit does not learn who reported it');
    assert.doesNotMatch(body, /无权|不存在|404/);
    await unit.context.close();
  });

  test('an overdue notice becomes an enforcement case: interview and penalty are recorded by clicking', async () => {
    // Set up through the services (the clicking was shown above): a confirmed case in Guangdong,
    // decided, its notice left unanswered past the deadline.
    const w = h.c.workflow;
    const as = async (u: string) => (await h.c.auth.authenticatePassword(u, 'threatshare-demo'))!;
    const receipt = (await h.c.reports.submit(await as('greatwall-reporter'), {
      category: 'malicious_resource',
      subtype: 'phishing_site',
      title: '仿冒网站 113.108.10.22（执法测试）',
      discovered_at: new Date().toISOString(),
      observables: [{ type: 'ipv4', value: '113.108.10.22' }],
      tlp: 'amber',
    } as any)).receipt;
    const kase = await caseOfReport(receipt.id);
    await w.cases.identify(await as(`${kase.institution}-analyst`), kase.id, { verdict: 'confirmed', severity: 'general', analysis: '仿冒银行登录页。', recommended_measures: ['block_ip'] } as any);
    const decision = (await w.decisions.decide(await as('ca-guangdong-officer'), kase.id, { reasons: '封堵', measures: [{ measure: 'block_ip' }] } as any)) as { notices: { id: string }[] };
    assert.equal(decision.notices.length, 1);
    (w.clock as unknown as { advance(ms: number): void }).advance(3 * 86_400_000);
    assert.ok((await w.notices.sweepDeadlines()) >= 1);
    const enf = (await h.c.handle.db.selectFrom('enforcement_cases' as any).select(['id'] as any).where('notice_id' as any, '=', decision.notices[0]!.id).executeTakeFirst()) as unknown as { id: string } | undefined;
    assert.ok(enf, 'the overdue notice opened an enforcement case');

    const { context, page } = await newPage(h);
    await signIn(page, 'ca-guangdong-officer');
    await page.click('nav.sidebar a[href="/enforcement"]');
    await page.click(`a[href="/enforcement/${enf.id}"]`);
    await page.locator('label.check', { hasText: /约谈/ }).locator('input').check();
    await page.fill('#e-part', '广东通信管理局 处置员, 中国电信广东分公司 安全负责人');
    await page.fill('#e-sum', '约谈企业，要求立即封堵并说明逾期原因。');
    await page.click('.action-card button[type=submit]');
    await page.waitForSelector('.timeline li');
    await page.locator('label.check', { hasText: /作出处罚/ }).locator('input').check();
    await page.selectOption('#e-prov', 'csl_2025_art61');
    await page.selectOption('#e-tier', 'warning');
    await page.selectOption('#e-kind', 'warning_and_fine');
    await page.fill('#e-ua', '20000');
    await page.fill('#e-reasons', '逾期未封堵恶意地址。');
    await screenshot(page, 'enforcement');
    await page.click('.action-card button[type=submit]');
    await page.waitForSelector('a[href^="/notices/"]:has-text("行政处罚决定书")');
    const row = (await h.c.handle.db.selectFrom('enforcement_cases' as any).select(['state', 'penalty_notice_id'] as any).where('id' as any, '=', enf.id).executeTakeFirst()) as unknown as { state: string; penalty_notice_id: string | null };
    assert.equal(row.state, 'penalty_decided');
    assert.ok(row.penalty_notice_id);
    // The penalty decision's page says the provision, the amount and the remedies.
    await page.goto(`/notices/${row.penalty_notice_id}`);
    await page.waitForSelector('[data-testid=document-facts]');
    const facts = await textOf(page, '[data-testid=document-facts]');
    assert.match(facts, /第六十一条/);
    assert.match(facts, /¥20,000/);
    assert.match(facts, /行政复议/);
    await context.close();
  });

  test('a regulator sends a bulletin; a unit reads it and the sender sees the read receipt', async () => {
    const sender = await newPage(h);
    let page = sender.page;
    await signIn(page, 'ca-guangdong-officer');
    await page.click('nav.sidebar a[href="/bulletins"]');
    await page.click('text=发送通报');
    await page.fill('#b-title', '关于封堵僵尸网络控制端的通报');
    await page.fill('#b-body', '请各基础电信企业核查并封堵附列地址。');
    await page.selectOption('#b-colour', 'orange');
    await page.click('.action-card button[type=submit]');
    await page.waitForSelector('table.data button.link:has-text("关于封堵僵尸网络控制端的通报")');
    await sender.context.close();

    const reader = await newPage(h);
    page = reader.page;
    await signIn(page, 'china-telecom-guangdong-secops');
    await page.click('nav.sidebar a[href="/bulletins"]');
    await page.click('table.data button.link:has-text("关于封堵僵尸网络控制端的通报")');
    await page.waitForSelector('.card p.prewrap:has-text("请各基础电信企业")');
    await reader.context.close();

    const again = await newPage(h);
    page = again.page;
    await signIn(page, 'ca-guangdong-officer');
    await page.click('nav.sidebar a[href="/bulletins"]');
    await page.click('table.data button.link:has-text("关于封堵僵尸网络控制端的通报")');
    await page.waitForSelector('text=已读于');
    await screenshot(page, 'bulletins');
    await again.context.close();
  });

  test('lookup, search, bulk import and the directory work in the browser', async () => {
    const { context, page } = await newPage(h);
    await signIn(page, 'miit-officer');
    await page.click('nav.sidebar a[href="/indicators"]');
    await page.fill('[data-testid=lookup-input]', '113.108.10.21\nexample-not-a-threat.cn');
    await page.click('[data-testid=lookup-submit]');
    await page.waitForSelector('[data-testid=lookup-results] tbody tr');
    assert.equal(await page.locator('[data-testid=lookup-results] tbody tr').count(), 2);
    await screenshot(page, 'indicators');
    await page.click('nav.sidebar a[href="/imports/new"]');
    const lines = Array.from({ length: 300 }, (_, i) => `bad-${i}.botnet-e2e-demo.cn`).join('\n') + '\nnot a value at all\n';
    await page.setInputFiles('[data-testid=import-file]', { name: 'c2-domains.txt', mimeType: 'text/plain', buffer: Buffer.from(lines) });
    await page.click('[data-testid=import-submit]');
    await page.waitForSelector('[data-testid=import-receipt]');
    const receipt = await textOf(page, '[data-testid=import-receipt]');
    assert.match(receipt, /300/);
    await screenshot(page, 'bulk-import');
    await page.click('nav.sidebar a[href="/organizations"]');
    await page.waitForSelector('table.data tbody tr');
    await screenshot(page, 'organizations');
    await context.close();
  });

  test('the language switches to English at one click and back, and is remembered', async () => {
    const { context, page } = await newPage(h);
    await signIn(page, 'miit-officer');
    assert.equal(await textOf(page, 'nav.sidebar a[href="/"]'), '工作台');
    await page.click('[data-testid=lang-switch]');
    await page.waitForFunction(() => (globalThis as any).document.documentElement.lang === 'en');
    assert.equal(await textOf(page, 'nav.sidebar a[href="/"]'), 'Dashboard');
    assert.equal(await textOf(page, '[data-testid=sign-out]'), 'Sign out');
    await page.reload();
    await page.waitForSelector('[data-testid=who]');
    assert.equal(await textOf(page, 'nav.sidebar a[href="/"]'), 'Dashboard');
    await page.waitForTimeout(800);
    await screenshot(page, 'dashboard-en');
    await page.click('[data-testid=lang-switch]');
    assert.equal(await textOf(page, 'nav.sidebar a[href="/"]'), '工作台');
    await context.close();
  });

  test("a provincial officer cannot open another province's case, even by typing its URL", async () => {
    const beijing = await h.c.handle.db
      .selectFrom('threat_cases' as any)
      .select(['id', 'title'] as any)
      .where('province_code' as any, '=', '110000')
      .executeTakeFirst();
    assert.ok(beijing, 'the demo has a case in Beijing');
    const { id, title } = beijing as unknown as { id: string; title: string };
    const { context, page } = await newPage(h);
    await signIn(page, 'ca-guangdong-officer');
    await page.goto(`/cases/${id}`);
    await page.waitForSelector('[role=alert]');
    assert.match((await page.getAttribute('[role=alert]', 'data-code')) ?? '', /^(forbidden|not_found)$/);
    assert.match(await textOf(page, '[role=alert] strong'), /无权|不存在/);
    assert.equal(await page.locator(`h1:has-text("${title}")`).count(), 0);
    const list = await page.request.get('/api/v1/cases?province_code=110000');
    assert.equal(list.status(), 403);
    // The Beijing administration does see it.
    const bj = await newPage(h);
    await signIn(bj.page, 'ca-beijing-officer');
    await bj.page.goto(`/cases/${id}`);
    await bj.page.waitForSelector(`h1:has-text("${title}")`);
    await bj.context.close();
    await context.close();
  });
});
