/**
 * The console for every role on every screen (issue 14), in Debian's chromium: each demo role at
 * 1366×768 and on a 390 px phone opens its dashboard with no error box and nothing wider than the
 * screen; a duty officer handles a notice on the phone through the menu drawer; errors read in the
 * user's language with the field at fault marked; times are Beijing time, labelled.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumMissing, DESKTOP, horizontalOverflow, newPage, PHONE, screenshot, signIn, startConsole, type ConsoleHarness } from './console-harness.js';

describe('the console on a laptop and a phone', { skip: chromiumMissing }, () => {
  let h: ConsoleHarness;
  before(async () => {
    h = await startConsole();
  });
  after(async () => {
    await h?.close();
  });

  /** Waits until the page has no "loading" placeholder left, so errors have had time to show. */
  async function settled(page: Page) {
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('.loading').length === 0);
    await page.waitForTimeout(200);
  }

  async function assertClean(page: Page, what: string) {
    await settled(page);
    const alerts = await page.locator('[role=alert]').allInnerTexts();
    assert.deepEqual(alerts, [], `${what}: no error box`);
    assert.equal(await horizontalOverflow(page), 0, `${what}: nothing wider than the screen`);
  }

  const roles: { user: string; pages: string[] }[] = [
    { user: 'miit-officer', pages: ['/cases', '/notices', '/audit'] },
    { user: 'ca-guangdong-officer', pages: ['/cases', '/notices', '/enforcement'] },
    { user: 'cncert-analyst', pages: ['/cases', '/notices'] },
    { user: 'china-telecom-guangdong-secops', pages: ['/notices', '/cases', '/reports/new'] },
    { user: 'greatwall-reporter', pages: ['/reports', '/reports/new', '/imports/new'] },
    { user: 'cloudlet-handler', pages: ['/notices', '/cases'] },
    { user: 'registrar-handler', pages: ['/notices', '/bulletins'] },
  ];

  for (const [screen, viewport] of [['1366 px', DESKTOP], ['390 px', PHONE]] as const) {
    test(`every role's dashboard and pages open without an error and without overflow at ${screen}`, async () => {
      for (const r of roles) {
        const { context, page } = await newPage(h, 'zh-CN', viewport);
        await signIn(page, r.user);
        await page.waitForSelector('[data-testid=work-waiting] .work-group');
        await assertClean(page, `${r.user} dashboard at ${screen}`);
        if (viewport === PHONE && r.user === 'china-telecom-guangdong-secops') await screenshot(page, 'dashboard-phone');
        for (const p of r.pages) {
          await page.goto(p);
          await page.waitForSelector('h1');
          await assertClean(page, `${r.user} ${p} at ${screen}`);
        }
        await context.close();
      }
    });
  }

  test('a duty officer acknowledges a notice and reports the result on a phone', async () => {
    // A notice for China Telecom Guangdong, set up through the services (the clicking is in console.test.ts).
    const w = h.c.workflow;
    const as = async (u: string) => (await h.c.auth.authenticatePassword(u, 'threatshare-demo'))!;
    const receipt = (await h.c.reports.submit(await as('greatwall-reporter'), {
      category: 'malicious_resource',
      subtype: 'botnet_c2',
      title: '僵尸网络控制端 113.108.10.31（手机测试）',
      discovered_at: new Date().toISOString(),
      observables: [{ type: 'ipv4', value: '113.108.10.31' }],
      tlp: 'amber',
    } as any)).receipt;
    const kase = (await h.c.handle.db
      .selectFrom('case_reports as cr' as any)
      .innerJoin('threat_cases as c' as any, 'c.id' as any, 'cr.case_id' as any)
      .leftJoin('organizations as o' as any, 'o.id' as any, 'c.assigned_org_id' as any)
      .select(['c.id as id', 'o.short_code as institution'] as any)
      .where('cr.report_id' as any, '=', receipt.id)
      .executeTakeFirst()) as unknown as { id: string; institution: string };
    await w.cases.identify(await as(`${kase.institution}-analyst`), kase.id, { verdict: 'confirmed', severity: 'general', analysis: '回连确认。', recommended_measures: ['block_ip'] } as any);
    const decision = (await w.decisions.decide(await as('ca-guangdong-officer'), kase.id, { reasons: '封堵', measures: [{ measure: 'block_ip' }] } as any)) as { notices: { id: string }[] };
    const noticeId = decision.notices[0]!.id;

    const { context, page } = await newPage(h, 'zh-CN', PHONE);
    await signIn(page, 'china-telecom-guangdong-secops');
    // The navigation is a drawer behind the menu button on a phone.
    assert.equal(await page.locator('nav.sidebar a[href="/notices"]').isVisible(), false, 'the navigation is folded away');
    await page.click('[data-testid=menu-toggle]');
    await page.click('nav.sidebar a[href="/notices"]');
    await page.waitForSelector(`a[href="/notices/${noticeId}"]`);
    await assertClean(page, 'notice list on a phone');
    // The list is cards, each value named by its column.
    assert.ok((await page.locator('table.data td[data-label]').count()) > 0);
    await page.click(`a[href="/notices/${noticeId}"]`);
    await page.waitForSelector('[data-testid=countdown]');
    assert.match(await page.locator('[data-testid=countdown]').innerText(), /剩余/);
    // The deadline reads in Beijing time, labelled, beside the countdown.
    assert.match(await page.locator('main').innerText(), /\d{4}-\d{2}-\d{2} \d{2}:\d{2} 北京时间/);
    await assertClean(page, 'notice detail on a phone');
    await screenshot(page, 'notice-phone');
    await page.click('[data-testid=acknowledge]');
    await page.waitForSelector('[data-testid=result-form]');
    await assertClean(page, 'result form on a phone');
    await page.fill('#r-summary', '已在省网出口封堵 113.108.10.31。');
    await page.click('[data-testid=result-submit]');
    await page.waitForSelector('[data-testid=result-form]', { state: 'detached' });
    const n = (await h.c.handle.db.selectFrom('notices' as any).select(['state'] as any).where('id' as any, '=', noticeId).executeTakeFirst()) as unknown as { state: string };
    assert.equal(n.state, 'result_reported');
    await context.close();
  });

  test('lookup takes a defanged multi-value paste; search matches any part; one value shows what shares it', async () => {
    const { context, page } = await newPage(h, 'zh-CN', DESKTOP);
    await signIn(page, 'ca-guangdong-officer');
    await page.goto('/indicators');
    await page.fill('[data-testid=lookup-input]', '113.108.10[.]31, example-not-a-threat[.]cn\nhxxp://113.108.10[.]31/panel');
    await page.click('[data-testid=lookup-submit]');
    await page.waitForSelector('[data-testid=lookup-results] tbody tr');
    assert.equal(await page.locator('[data-testid=lookup-results] tbody tr').count(), 3);
    assert.match(await page.locator('[data-testid=lookup-results]').innerText(), /113\.108\.10\.31/);
    await page.fill('#f-q', '108.10.3');
    await page.waitForSelector('table.data a[href^="/indicators/"]:has-text("113.108.10.31")');
    await page.click('table.data a[href^="/indicators/"]:has-text("113.108.10.31")');
    await page.waitForSelector('[data-testid=correlation] a[href^="/cases/"]');
    assert.match(await page.locator('[data-testid=correlation]').innerText(), /113\.108\.10\.31（手机测试）/);
    assert.ok((await page.locator('[data-testid=correlation] a[href^="/notices/"]').count()) >= 1);
    await assertClean(page, 'indicator correlation');
    await screenshot(page, 'correlation');
    await context.close();
  });

  test('the audit log is listed, filtered and translated, with restricted reads grouped', async () => {
    const { context, page } = await newPage(h, 'zh-CN', PHONE);
    await signIn(page, 'miit-officer');
    await page.goto('/audit');
    await page.waitForSelector('[data-testid=audit-log] tbody tr');
    const log = await page.locator('[data-testid=audit-log]').innerText();
    assert.doesNotMatch(log, /restricted\.read|[a-z]+\.[a-z_]+/, 'actions are translated, reads are not listed one by one');
    await page.waitForSelector('[data-testid=audit-reads] tbody tr');
    await page.selectOption('#al-kind', 'notice.');
    await page.waitForFunction(() => {
      const rows = [...(globalThis as any).document.querySelectorAll('[data-testid=audit-log] tbody tr td:nth-child(4)')];
      return rows.length > 0 && rows.every((td: any) => td.textContent.includes('处置通知'));
    });
    await assertClean(page, 'audit log on a phone');
    await screenshot(page, 'audit-log-phone');
    await context.close();
  });

  test('an administrator creates an API token and a subscription, and reads the delivery log', async () => {
    const { context, page } = await newPage(h, 'zh-CN', PHONE);
    await signIn(page, 'miit-admin');
    await page.goto('/admin');
    await page.waitForSelector('[data-testid=tokens] tbody tr');
    await page.fill('#tk-name', '省级平台对接');
    await page.locator('[data-testid=token-form] input[type=checkbox][value=analyst]').check();
    await page.click('[data-testid=token-form] button[type=submit]');
    await page.waitForSelector('[data-testid=token-secret] code');
    const secret = await page.locator('[data-testid=token-secret] code').innerText();
    // The new token works against the API.
    const who = await page.request.get('/api/v1/whoami', { headers: { Authorization: `Bearer ${secret}` } });
    assert.equal(who.status(), 200);
    assert.match(await page.locator('[data-testid=tokens]').innerText(), /省级平台对接/);
    await page.click('text=订阅 >> nth=-1');
    await page.waitForSelector('[data-testid=subscriptions] tbody tr');
    await page.locator('[data-testid=subscriptions] button.link', { hasText: '投递记录' }).first().click();
    await page.waitForSelector('[data-testid=deliveries]');
    assert.match(await page.locator('[data-testid=feeds]').innerText(), /rndc reload|nft -f/);
    await assertClean(page, 'administration on a phone');
    await screenshot(page, 'admin-phone');
    await context.close();
    // A unit's handler (not an administrator) still finds its feeds and the command to load them.
    const unit = await newPage(h, 'zh-CN', DESKTOP);
    await signIn(unit.page, 'cloudlet-handler');
    await unit.page.goto('/admin');
    await unit.page.waitForSelector('[data-testid=feeds]');
    await assertClean(unit.page, 'a unit handler on the administration page');
    await unit.context.close();
  });

  test('a bulletin goes to a named organization, its indicators picked by value', async () => {
    const { context, page } = await newPage(h, 'zh-CN', DESKTOP);
    // The ministry (a provincial administration addresses units of its own province only).
    await signIn(page, 'miit-officer');
    await page.goto('/bulletins');
    await page.click('text=发送通报');
    await page.fill('#b-title', '致云朵示范云计算的专项通报');
    await page.fill('#b-body', '请核查附列地址。');
    // No kind of unit, one named organization.
    for (const box of await page.locator('fieldset.radio-row input[type=checkbox]').all()) if (await box.isChecked()) await box.uncheck();
    await page.fill('[data-testid=b-orgs-search]', '云朵');
    await page.click('.pick-list button:has-text("云朵")');
    await page.fill('[data-testid=b-ind-search]', '108.10.3');
    await page.click('.pick-list button:has-text("113.108.10.31")');
    await page.click('.action-card button[type=submit]');
    await page.waitForSelector('table.data button.link:has-text("致云朵示范云计算的专项通报")');
    const row = (await h.c.handle.db
      .selectFrom('bulletins' as any)
      .select(['id'] as any)
      .where('title' as any, '=', '致云朵示范云计算的专项通报')
      .executeTakeFirst()) as unknown as { id: string } | undefined;
    assert.ok(row, 'the bulletin was stored');
    await context.close();
    // The named organization reads it.
    const cloud = await newPage(h, 'zh-CN', PHONE);
    await signIn(cloud.page, 'cloudlet-handler');
    await cloud.page.goto('/bulletins');
    await cloud.page.click('table.data button.link:has-text("致云朵示范云计算的专项通报")');
    await cloud.page.waitForSelector('text=113.108.10.31');
    await assertClean(cloud.page, 'a bulletin on a phone');
    await cloud.context.close();
  });

  test('a refused observable is explained in Chinese and its field marked; the draft survives a reload', async () => {
    const { context, page } = await newPage(h, 'zh-CN', PHONE);
    await signIn(page, 'greatwall-reporter');
    await page.goto('/reports/new');
    await page.fill('#title', '内网地址（应被拒绝）');
    await page.fill('[data-testid=observable-0]', '10.1.2.3');
    // The half-typed report is kept: a reload (or an expired session) restores it.
    await page.waitForTimeout(500);
    await page.reload();
    await page.waitForSelector('[data-testid=draft-restored]');
    assert.equal(await page.inputValue('#title'), '内网地址（应被拒绝）');
    assert.equal(await page.inputValue('[data-testid=observable-0]'), '10.1.2.3');
    await page.click('[data-testid=report-submit]');
    await page.waitForSelector('[role=alert]');
    const alert = await page.locator('[role=alert]').innerText();
    assert.match(alert, /[\u4e00-\u9fff]/);
    assert.doesNotMatch(alert.split('技术细节')[0]!, /\b400\b|not public|private/i);
    assert.equal(await page.getAttribute('[data-testid=observable-0]', 'aria-invalid'), 'true');
    assert.match((await page.getAttribute('[data-testid=observable-0]', 'class')) ?? '', /field-invalid/);
    assert.equal(await horizontalOverflow(page), 0);
    await context.close();
  });
});
