import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sparticuz from '@sparticuz/chromium';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from '../../infra/local/invoke-handler';

/**
 * Real headless Chromium for the browser tests, from npm alone: @sparticuz/chromium ships the binary in
 * its package (extracted to /tmp on first launch), playwright-core drives it. No browser download.
 */
export async function launchChromium(): Promise<Browser> {
  // Lambda's flags minus three that would make the test unlike a person's browser: one renderer process
  // for every page (so one context going offline takes the others with it), and web security off.
  const dropped = new Set(['--single-process', '--disable-web-security', '--allow-running-insecure-content']);
  const args = sparticuz.args.filter((arg) => !dropped.has(arg));
  return chromium.launch({ executablePath: await sparticuz.executablePath(), args, headless: true });
}

/** Screenshots for people to look at (git-ignored). */
export const screenshotDir = join(repoRoot, 'test-output', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}

/** Opens the app in a fresh context (its own sessionStorage and network) and signs in as a demo user. */
export async function signIn(browser: Browser, appUrl: string, user: string, viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(appUrl);
  await page.click(`[data-user="${user}"]`);
  (page as Page & { errors?: string[] }).errors = errors;
  return { context, page };
}

/** Waits until the page's socket is open and has caught up (hello, resume). */
export async function connected(page: Page, timeout = 30_000): Promise<void> {
  await page.waitForSelector('.connection[data-state="open"]', { timeout });
}
