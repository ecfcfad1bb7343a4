/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoShops } from '../../infra/local/demo-data';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import { connected, launchChromium, screenshot, signIn } from '../support/browser';

/**
 * The web clients in real Chromium against the booted local stack (in memory, real DynamoDB Local and
 * SQS server, real sockets): an agent and a buyer in separate browser contexts, as two people on two
 * machines. API Gateway's idle cut-off is shortened to 8 s and the clients ping only every minute, so the
 * agent's socket is cut while waiting (row 12); the buyer's network drops for 15 s (context offline).
 * Screenshots of each screen go to test-output/screenshots/.
 */
const idleTimeoutMs = 8000;
let stack: LocalStack;
let browser: Browser;
const contexts: BrowserContext[] = [];
const peachGreetings = demoShops.find((s) => s.shopId === 'peach-glow')!.persona.greetings;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startLocalStack({ inMemory: true, ports: { http: 0, ws: 0 }, quiet: true, webApp: { pingIntervalMs: 60_000 }, websocket: { idleTimeoutMs } }),
    launchChromium(),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await stack?.stop();
});

// A failed test leaves a picture of every screen it had open.
afterEach(async (context) => {
  if (context.task.result?.state !== 'fail') return;
  const pages = contexts.flatMap((c) => c.pages());
  await Promise.all(pages.map((page, i) => screenshot(page, `failed-${context.task.name.slice(0, 20)}-${i}`).catch(() => undefined)));
});

async function open(user: string, viewport?: { width: number; height: number }): Promise<Page> {
  const { context, page } = await signIn(browser, stack.webUrl!, user, viewport);
  contexts.push(context);
  await connected(page);
  return page;
}

async function agentOnline(user: string): Promise<Page> {
  const page = await open(user);
  await page.selectOption('[data-testid="presence"]', 'online');
  await page.waitForSelector('.load');
  return page;
}

async function buyerAt(user: string, shopId: string): Promise<Page> {
  const { context, page } = await signIn(browser, stack.webUrl!, user, { width: 480, height: 760 });
  contexts.push(context);
  await page.click(`.shop-picker a[href*="${shopId}"]`);
  await connected(page);
  return page;
}

/** Message texts on screen, in order, acknowledged ones only (a pending send is dashed and has data-pending). */
const texts = (page: Page) => page.$$eval('.messages .bubble:not([data-pending]) .text', (nodes) => nodes.map((n) => n.textContent ?? ''));
const pending = (page: Page) => page.locator('.messages [data-pending]').count();

async function say(page: Page, selector: string, text: string): Promise<void> {
  await page.fill(selector, text);
  await page.press(selector, 'Enter');
}

async function waitForText(page: Page, text: string, timeout = 30_000): Promise<void> {
  await page.locator('.messages .bubble:not([data-pending]) .text', { hasText: text }).first().waitFor({ timeout });
}

const connects = async (page: Page) => Number(await page.getAttribute('.connection', 'data-connects'));

describe('web clients in a real browser', () => {
  let agent: Page;
  let buyer: Page;

  it('an agent and a buyer complete a conversation in Chinese, the agent answering with a quick reply', async () => {
    agent = await agentOnline('demo-firm/xiaomei');
    await screenshot(agent, 'workbench-empty');
    buyer = await buyerAt('demo-firm/buyer-taotao', 'peach-glow');
    await say(buyer, '#buyer-text', '这款面霜适合干皮吗？');
    await waitForText(buyer, '这款面霜适合干皮吗？');

    const row = agent.locator('.conversation-row', { hasText: 'buyer-taotao' });
    await row.waitFor({ timeout: 30_000 });
    // The shop is named (from GET /v1/me/shops, not its id) on the conversation and on the reply box, in its colour.
    await row.locator('.shop-badge', { hasText: '桃气美妆' }).waitFor({ timeout: 30_000 });
    await row.click();
    await waitForText(agent, '这款面霜适合干皮吗？');
    await agent.locator('.reply-to', { hasText: '桃气美妆' }).waitFor({ timeout: 10_000 });

    await agent.fill('#reply-text', '/h');
    await agent.locator('.quick-replies li', { hasText: '/hi' }).waitFor();
    await screenshot(agent, 'workbench-quick-reply');
    await agent.press('#reply-text', 'Enter');

    // The server picks a variant of the shop's /hi; the buyer sees it once, with who joined.
    await buyer.locator('.bubble:not(.mine) .text').first().waitFor({ timeout: 30_000 });
    const buyerSees = await texts(buyer);
    expect(buyerSees).toHaveLength(2);
    expect(peachGreetings).toContain(buyerSees[1]);
    await buyer.locator('[data-notice="agentJoined"]', { hasText: '小美' }).waitFor({ timeout: 30_000 });

    await say(buyer, '#buyer-text', '好的，谢谢！');
    await waitForText(agent, '好的，谢谢！');
    expect(await texts(agent)).toEqual(['这款面霜适合干皮吗？', buyerSees[1], '好的，谢谢！']);
    await screenshot(agent, 'workbench-conversation');
    await screenshot(buyer, 'buyer-widget');

    await agent.click('button:has-text("结束会话")');
    await buyer.locator('[data-notice="closed"]').waitFor({ timeout: 30_000 });
    await agent.locator('.conversation-row', { hasText: 'buyer-taotao' }).waitFor({ state: 'detached' });
  }, 120_000);

  it('the buyer offline for 15 s and the agent cut off for idling both resume with nothing lost or doubled', async () => {
    const lin = await buyerAt('demo-firm/buyer-lin', 'peach-glow');
    await say(lin, '#buyer-text', '在吗？想问下发货时间');
    const row = agent.locator('.conversation-row', { hasText: 'buyer-lin' });
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    await say(agent, '#reply-text', '在的亲，今天下单明天发');
    await waitForText(lin, '在的亲，今天下单明天发');

    const agentConnectsBefore = await connects(agent);
    const offlineAt = Date.now();
    await lin.context().setOffline(true);
    await lin.waitForSelector('.connection[data-state="offline"]', { timeout: 10_000 });
    await say(agent, '#reply-text', '顺丰包邮哦');
    await say(agent, '#reply-text', '还有其他问题吗？');
    await waitForText(agent, '还有其他问题吗？');
    await say(lin, '#buyer-text', '刚才断网了');
    expect(await pending(lin)).toBe(1);
    // The drop is real: what the agent sent meanwhile has not reached the buyer.
    expect(await texts(lin)).toEqual(['在吗？想问下发货时间', '在的亲，今天下单明天发']);

    // Quiet for longer than the idle cut-off: the gateway closes the agent's socket (1001) and it comes back.
    await agent.waitForFunction((before) => Number(document.querySelector('.connection')?.getAttribute('data-connects')) > before, agentConnectsBefore, {
      timeout: idleTimeoutMs * 3,
    });
    await lin.waitForTimeout(Math.max(0, 15_000 - (Date.now() - offlineAt)));
    await lin.context().setOffline(false);
    await connected(lin);

    const conversation = ['在吗？想问下发货时间', '在的亲，今天下单明天发', '顺丰包邮哦', '还有其他问题吗？', '刚才断网了'];
    await waitForText(lin, '还有其他问题吗？');
    await waitForText(lin, '刚才断网了');
    await waitForText(agent, '刚才断网了');
    expect(await texts(lin)).toEqual(conversation);
    expect(await texts(agent)).toEqual(conversation);
    expect(await pending(lin)).toBe(0);
    expect(await connects(lin)).toBeGreaterThanOrEqual(2);
    await screenshot(lin, 'buyer-after-drop');
  }, 120_000);

  it('a transfer moves the conversation from one agent’s screen to the other’s, with its history and the note', async () => {
    const lili = await agentOnline('demo-firm/lili');
    await say(buyer, '#buyer-text', '我想换个颜色');
    const row = agent.locator('.conversation-row', { hasText: 'buyer-taotao' });
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    await waitForText(agent, '我想换个颜色');

    await agent.click('button:has-text("转接")');
    await agent.fill('.transfer-form input[name="target"]', 'lili');
    await agent.fill('.transfer-form input[name="note"]', '换色属于售中，转莉莉');
    await agent.click('.transfer-form button[type="submit"]');
    await row.waitFor({ state: 'detached', timeout: 30_000 });

    const arrived = lili.locator('.conversation-row', { hasText: 'buyer-taotao' });
    await arrived.waitFor({ timeout: 30_000 });
    await arrived.click();
    await waitForText(lili, '我想换个颜色');
    await expect(lili.locator('.chat-header .transferred').textContent()).resolves.toContain('换色属于售中，转莉莉');
    await buyer.locator('[data-notice="transferred"]', { hasText: '莉莉' }).waitFor({ timeout: 30_000 });

    await say(lili, '#reply-text', '亲，想换什么颜色呢？');
    await waitForText(buyer, '亲，想换什么颜色呢？');
    await screenshot(lili, 'workbench-after-transfer');
  }, 120_000);

  it('is usable from the keyboard: Alt+↓ opens the next conversation with the focus in the reply box, Enter sends', async () => {
    await say(buyer, '#buyer-text', '键盘测试');
    const lili = (await browser.contexts()).flatMap((c) => c.pages()).find((p) => p.url().includes('#/agent') && p !== agent)!;
    await lili.locator('.conversation-row', { hasText: 'buyer-taotao' }).waitFor();
    await lili.locator('body').click({ position: { x: 5, y: 5 } });
    await lili.keyboard.press('Alt+ArrowDown');
    // The focus moves after the next render, so wait for it rather than read it once.
    await lili.waitForFunction(() => document.activeElement?.id === 'reply-text', undefined, { timeout: 10_000 });
    await lili.keyboard.type('键盘回复');
    await lili.keyboard.press('Enter');
    await waitForText(buyer, '键盘回复');
  }, 60_000);

  it('the supervisor wall shows each shop’s lines and agents, watches a conversation live and reassigns it', async () => {
    const lili = (await browser.contexts()).flatMap((c) => c.pages()).find((p) => p.url().includes('#/agent') && p !== agent)!;
    const conversationId = (await lili.getAttribute('.conversation-row', 'data-conversation'))!;
    const wall = await open('demo-firm/supervisor-wang');
    const peach = wall.locator('section.board', { hasText: '桃气美妆' });
    await peach.locator('[data-agent="xiaomei"][data-presence="online"]').waitFor({ timeout: 30_000 });
    await expect(peach.locator('[data-stage="pre-sale"] [data-waiting]').getAttribute('data-waiting')).resolves.toBe('0');

    await wall.fill('input[name="conversationId"]', conversationId);
    await wall.click('button:has-text("监听")');
    await say(buyer, '#buyer-text', '主管能看到吗');
    await wall.locator('section.watched .bubble .text', { hasText: '主管能看到吗' }).waitFor({ timeout: 30_000 });
    // Watching shows the conversation so far (read on watch), each message once however the live frames raced it.
    await wall.locator('section.watched .bubble .text', { hasText: '我想换个颜色' }).waitFor({ timeout: 10_000 });
    await expect(wall.locator('section.watched .bubble .text', { hasText: '主管能看到吗' }).count()).resolves.toBe(1);

    // The KPI strip: labelled figures of the shop's day; the buyer's messages count as an inquiry once the
    // stream consumer applied them (read on open, then kpi.updated): wait for it, never read once.
    await peach.locator('.kpi-strip dt', { hasText: '咨询人数' }).waitFor({ timeout: 30_000 });
    await wall.waitForFunction(
      () =>
        [...document.querySelectorAll('section.board')].some(
          (board) => board.textContent?.includes('桃气美妆') && Number(board.querySelector('[data-kpi="inquiries"]')?.getAttribute('data-value') || 0) >= 1,
        ),
      undefined,
      { timeout: 30_000, polling: 250 },
    );
    await expect(peach.locator('[data-kpi="inquiries"]').textContent()).resolves.toMatch(/^\d+$/);

    await wall.fill('input[name="toAgentId"]', 'xiaomei');
    await wall.click('button:has-text("改派")');
    await agent.locator('.conversation-row', { hasText: 'buyer-taotao' }).waitFor({ timeout: 30_000 });
    await lili.locator('.conversation-row', { hasText: 'buyer-taotao' }).waitFor({ state: 'detached', timeout: 30_000 });
    await screenshot(wall, 'supervisor-wall');
  }, 90_000);

  it('shows the agent’s after-sales case with its SLA counting down, and moves and finishes it from the workbench', async () => {
    const row = agent.locator('.conversation-row', { hasText: 'buyer-taotao' });
    await row.waitFor({ timeout: 30_000 });
    const conversationId = (await row.getAttribute('data-conversation'))!;
    const token = await agent.evaluate(() => (JSON.parse(sessionStorage.getItem('kefu.session')!) as { token: string }).token);
    const opened = await fetch(`${stack.httpUrl}/v1/shops/peach-glow/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientRequestId: 'browser-case-0001', type: 'refund-only', conversationId, platform: 'taobao', note: '买家申请仅退款' }),
    });
    expect(opened.status).toBe(201);
    const { caseId } = (await opened.json()) as { caseId: string };

    // Pushed by case.opened: the card appears with the shop's name and a countdown that moves.
    const card = agent.locator(`.case-card[data-case="${caseId}"]`);
    await card.waitFor({ timeout: 30_000 });
    await card.locator('.shop-badge', { hasText: '桃气美妆' }).waitFor({ timeout: 10_000 });
    await card.locator('.countdown', { hasText: '剩余' }).waitFor({ timeout: 10_000 });
    // kefu's default rule gives this case type 48 h (less the shop's safety margin); the seconds left go down while nothing arrives.
    const first = Number(await card.locator('.countdown').getAttribute('data-remaining-s'));
    expect(first).toBeGreaterThan(24 * 3600);
    expect(first).toBeLessThanOrEqual(48 * 3600);
    await agent.waitForFunction(
      ([id, before]) => Number(document.querySelector(`.case-card[data-case="${id}"] .countdown`)?.getAttribute('data-remaining-s')) < before,
      [caseId, first] as const,
      { timeout: 10_000 },
    );
    await screenshot(agent, 'workbench-case');

    await card.locator('select[name="to"]').selectOption('waiting-buyer');
    await card.locator('.case-move button[type="submit"]').click();
    await agent.locator(`.case-card[data-case="${caseId}"][data-state="waiting-buyer"]`).waitFor({ timeout: 30_000 });

    await card.locator('select[name="to"]').selectOption('resolved');
    await card.locator('select[name="outcome"]').selectOption('refunded');
    await card.locator('.case-move button[type="submit"]').click();
    await card.waitFor({ state: 'detached', timeout: 30_000 });
  }, 90_000);

  it('the buyer widget shows the FAQ robot answering first, labelled as the assistant, with how to reach a person', async () => {
    const supervisor = await stack.issuer.sign({ userId: 'supervisor-wang', tenantId: 'demo-firm', role: 'supervisor', shopIds: ['henggong-appliances'] });
    const setRobot = (mode: 'always' | 'off') =>
      fetch(`${stack.httpUrl}/v1/shops/henggong-appliances/robot-settings`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${supervisor}`, 'content-type': 'application/json' },
        body: JSON.stringify({ mode }),
      });
    expect((await setRobot('always')).status).toBe(200);
    try {
      const asking = await buyerAt('demo-firm/buyer-lin', 'henggong-appliances');
      await say(asking, '#buyer-text', '你们发什么快递');
      const answer = asking.locator('.messages .bubble[data-role="robot"]').first();
      await answer.waitFor({ timeout: 30_000 });
      await expect(answer.locator('.text').textContent()).resolves.toContain('中通');
      await expect(answer.locator('.meta').textContent()).resolves.toContain('智能助手');
      await asking.locator('[data-notice="robotJoined"]', { hasText: '转人工' }).waitFor({ timeout: 10_000 });
      await screenshot(asking, 'buyer-robot');
    } finally {
      await setRobot('off');
    }
  }, 90_000);

  it('labels every control, switches to English, and signs an expired session out', async () => {
    const unlabeled = await agent.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => {
          const control = el as HTMLInputElement;
          const labelled = (control.labels?.length ?? 0) > 0 || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
          return !labelled && !(el.tagName === 'BUTTON' && el.textContent?.trim());
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unlabeled).toEqual([]);

    await agent.click('button.lang');
    await agent.locator('text=Presence').waitFor();
    await screenshot(agent, 'workbench-english');
    await agent.click('button.lang');

    // A session whose token has expired is not resumed: the tab shows the sign-in again.
    const page = await buyerAt('demo-firm/buyer-lin', 'peach-glow');
    await page.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem('kefu.session')!) as { expiresAt: number };
      sessionStorage.setItem('kefu.session', JSON.stringify({ ...session, expiresAt: Date.now() - 1 }));
    });
    await page.reload();
    await page.locator('.sign-in').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('kefu.session'))).toBeNull();
    await screenshot(page, 'sign-in');
  }, 60_000);
});
