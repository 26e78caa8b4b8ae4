/**
 * End-to-end harness for the web console: the real server (buildApp) on a loopback port over a
 * fresh in-memory PGlite seeded with the demo world, the built console, and Debian's chromium
 * driven by playwright-core (the npm browser download does not work on our machines).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContainer, type Container } from '../../src/container.js';
import { openDatabase } from '../../src/db/database.js';
import { seedDemo } from '../../src/demo/seed.js';
import { DEMO_PASSWORD } from '../../src/demo/demo-data.js';
import { currentTotp } from '../../src/modules/auth/second-factor.js';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const chromiumMissing = fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent: install Debian's chromium (apt-get install chromium) to run the console tests`;
/**
 * Screenshots go to docs/screenshots only when asked (SAVE_SCREENSHOTS=1), so a test run on a
 * machine without the Chinese font never overwrites the committed ones; otherwise to a temp folder.
 */
export const SCREENSHOTS = process.env.SAVE_SCREENSHOTS === '1'
  ? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots')
  : path.join(os.tmpdir(), 'threatshare-screenshots');
export { DEMO_PASSWORD };

export interface ConsoleHarness {
  c: Container;
  app: FastifyInstance;
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function startConsole(): Promise<ConsoleHarness> {
  // The console must be built; build it now when web/src is newer than web/dist.
  const builder = (await import(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/build-if-stale.mjs'))) as { consoleIsStale(): boolean; buildConsole(): void };
  if (builder.consoleIsStale()) builder.buildConsole();

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-e2e-'));
  const config = { ...loadConfig({ DATA_DIR: dataDir }), databaseUrl: null };
  // The workflow's adjustable clock, so a test can let a notice's deadline pass.
  process.env.THREATSHARE_TEST_CLOCK = '1';
  // Always a fresh embedded database: the demo seeds only into an empty one.
  const handle = await openDatabase({ databaseUrl: null, dataDir: null });
  const c = await createContainer(config, { handle });
  const { credentials } = await seedDemo(c);
  for (const o of credentials) for (const u of o.users) if (u.totp_secret) secondFactors.set(u.username, { secret: u.totp_secret, recovery: [...(u.recovery_codes ?? [])], lastStep: 0 });
  const app = await buildApp(c);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  // playwright-core gives every launch a fresh, temporary user-data-dir of its own.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    c,
    app,
    url: `http://127.0.0.1:${port}`,
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      await app.close();
      await c.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The two screens the console is held to: a laptop at 1366×768 and a 390 px phone. */
export const DESKTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };

/** A fresh browser context (its own cookies) at 1280×800 unless told, in the given language. */
export async function newPage(h: ConsoleHarness, lang: 'zh-CN' | 'en' = 'zh-CN', viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await h.browser.newContext({ viewport, locale: lang, baseURL: h.url, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  await context.addInitScript((l) => {
    try {
      if (!localStorage.getItem('threatshare.lang')) localStorage.setItem('threatshare.lang', l);
    } catch {
      /* ignore */
    }
  }, lang);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

/** The demo admins' second factors, from the demo credentials (the seed gives them TOTP). */
const secondFactors = new Map<string, { secret: string; recovery: string[]; lastStep: number }>();

/**
 * The next second factor of a demo admin: a TOTP code of a step not used yet (the server refuses
 * replays, and accepts one step ahead), else one of its recovery codes.
 */
export async function nextSecondFactor(username: string): Promise<string | null> {
  const f = secondFactors.get(username);
  if (!f) return null;
  const now = Math.floor(Date.now() / 30_000);
  const step = Math.max(now, f.lastStep + 1);
  if (step <= now + 1) {
    f.lastStep = step;
    return currentTotp(f.secret, step * 30_000);
  }
  const code = f.recovery.shift();
  if (!code) throw new Error(`no second factor left for ${username} in this run`);
  return code;
}

export async function signIn(page: Page, username: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('[data-testid=signin-submit]');
  await page.waitForSelector('[data-testid=who], #totp');
  if (await page.$('#totp')) {
    const code = await nextSecondFactor(username);
    if (!code) throw new Error(`${username} asks for a second factor the demo credentials do not have`);
    await page.fill('#totp', code);
    await page.click('[data-testid=signin-submit]');
    await page.waitForSelector('[data-testid=who]');
  }
}

/** How far the page is wider than the screen, in CSS pixels (0 when nothing overflows). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const d = (globalThis as any).document.documentElement;
    return Math.max(0, d.scrollWidth - d.clientWidth);
  });
}

/** Saves a 1280×800 screenshot, scrolled to the top or to `scrollTo` (a selector), without a focus ring. */
export async function screenshot(page: Page, name: string, scrollTo?: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.evaluate((sel) => {
    const d = (globalThis as any).document;
    d.activeElement?.blur?.();
    const el = sel ? d.querySelector(sel) : null;
    if (el) el.scrollIntoView({ block: 'start' });
    else (globalThis as any).scrollTo(0, 0);
  }, scrollTo ?? null);
  // Let charts finish drawing and fonts settle.
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}
