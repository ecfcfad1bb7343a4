/**
 * npm run bench:web [-- --conversations 2000 --messages 100]
 *
 * The agent workbench in real headless Chromium (playwright-core + @sparticuz/chromium) against the local
 * stack booted in memory, with one agent holding `--conversations` open conversations (Double 11: 2,000).
 * An admin creates a bench shop and an agent with that cap (HTTP), the agent goes online (socket), then
 * the conversations are opened and assigned with the store functions the handlers use (setup, not
 * measured). Then it measures, in the page, over the real protocol:
 *  - time to interactive: navigation to the list drawn with every conversation and the socket caught up
 *    (hello pages, resume) — the median of 3 page loads;
 *  - memory with that many conversations: the page's JS heap (CDP Performance metrics) and the DOM nodes
 *    (the list is virtualised: rows drawn stay constant);
 *  - messages rendered per second, two ways: end to end (a buyer sends `--messages` messages as fast as the
 *    stack takes them into the open conversation; time until the last is on screen), bounded by the stack
 *    on this machine; and the client alone (the same number of `message` frames handed to the page's
 *    connection, spread over all conversations, until the last is drawn).
 *  - frame times while scrolling the 2,000-row list (requestAnimationFrame deltas, p50/p95/max).
 * Writes bench/results/workbench.json. Serialise with other benchmarks: flock /tmp/kefu-bench.lock.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type WebSocket from 'ws';
import { startLocalStack } from '../infra/local/stack';
import { repoRoot } from '../infra/local/invoke-handler';
import { launchChromium } from '../test/support/browser';
import { randomUUID } from 'node:crypto';
import { openConversation } from '../shared/store/conversations';
import { assignConversation, getRoutableConversation } from '../shared/store/conversation-ownership';
import { openKefuSocket } from './open-socket';

const { values } = parseArgs({
  options: { conversations: { type: 'string', default: '2000' }, messages: { type: 'string', default: '100' } },
});
const conversations = Number(values.conversations);
const messageCount = Number(values.messages);
const tenantId = 'bench-web';
const shopId = 'bench-shop';
const agentId = 'bench-agent';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? 0;

function request(socket: WebSocket, frame: Record<string, unknown>, ref: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply to ${ref}`)), 30_000);
    const onMessage = (data: unknown) => {
      const reply = JSON.parse(String(data)) as Record<string, unknown>;
      if (reply.ref !== ref) return;
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(reply);
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ ...frame, ref }));
  });
}

async function main(): Promise<void> {
  console.log(`kefu web benchmark: workbench with ${conversations} conversations on ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(2)}`);
  const started = Date.now();
  // The handlers' log lines and metrics would drown the report, as in bench/run.ts.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const stack = await startLocalStack({ inMemory: true, ports: { http: 0, ws: 0 }, quiet: true, seed: false, webApp: true });
  const browser = await launchChromium();
  try {
    const urls = { httpUrl: stack.httpUrl, wsUrl: stack.wsUrl };
    const sign = (userId: string, role: 'admin' | 'agent' | 'buyer', shopIds: string[] = []) => stack.issuer.sign({ tenantId, userId, role, shopIds, name: userId });
    const admin = await sign('bench-admin', 'admin');
    const put = async (path: string, body: unknown) => {
      const response = await fetch(`${stack.httpUrl}${path}`, { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
    };
    await put(`/v1/shops/${shopId}`, {
      name: '压测旗舰店 Bench Flagship',
      category: 'apparel',
      routing: { mode: 'by-stage', groups: { 'pre-sale': 'bench-pre', 'in-sale': 'bench-pre', 'after-sale': 'bench-pre' }, defaultAgentCap: conversations },
    });
    await put(`/v1/agents/${agentId}`, { name: '压测客服', shopIds: [shopId], groupIds: ['bench-pre'], cap: conversations + 10 });
    const agentToken = await sign(agentId, 'agent', [shopId]);
    const agentSocket = await openKefuSocket(urls, agentToken);
    await request(agentSocket, { action: 'setPresence', presence: 'online' }, 'p');
    let assigned = 0;

    // The conversations are written with the store functions the handlers use (open, then assign to the
    // agent: the router's transaction), 16 at a time: setup, not measured, and far quicker than 2,000
    // buyers' sockets on a loaded 2-core machine. The page then loads them over the real protocol.
    const seedStarted = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < conversations) {
          const i = next++;
          const now = new Date(Date.now() - (conversations - i) * 1000);
          const { conversation } = await openConversation({ tenantId, shopId, buyerId: `buyer-${i}`, stage: 'pre-sale', now });
          const routable = await getRoutableConversation(tenantId, conversation.conversationId);
          if (!routable) throw new Error(`conversation ${conversation.conversationId} not found after opening`);
          const outcome = await assignConversation({ conversation: routable, agentId, groupId: 'bench-pre', makeOwner: false, runId: randomUUID(), attempt: 0, idleCheckAt: new Date(Date.now() + 3600_000), now });
          if (outcome !== 'applied') throw new Error(`assigning ${conversation.conversationId}: ${outcome}`);
          assigned += 1;
        }
      }),
    );
    agentSocket.close();
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    console.log(`  seeded ${conversations} conversations, ${assigned} assigned, in ${seedSeconds.toFixed(1)} s`);

    // The page signs in with the agent's token in sessionStorage (what the sign-in page stores).
    const session = { token: agentToken, expiresAt: Date.now() + 3600_000, me: { tenantId, userId: agentId, role: 'agent', shopIds: [shopId] }, name: '压测客服' };
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    await context.addInitScript((value) => sessionStorage.setItem('kefu.session', value), JSON.stringify(session));
    // tsx compiles the functions below with esbuild's keepNames helper, which the page does not have.
    await context.addInitScript('globalThis.__name = (target) => target');

    const loads: number[] = [];
    let page = await context.newPage();
    for (let run = 0; run < 3; run++) {
      if (run > 0) {
        await page.close();
        page = await context.newPage();
      }
      const t0 = Date.now();
      await page.goto(`${stack.webUrl}#/agent`);
      await page.waitForFunction((n) => document.querySelector('.connection')?.getAttribute('data-state') === 'open' && document.querySelector('.list-count')?.textContent?.startsWith(`${n} `), conversations, { timeout: 120_000, polling: 50 });
      await page.locator('.conversation-row').first().waitFor();
      loads.push(Date.now() - t0);
    }
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await cdp.send('HeapProfiler.collectGarbage');
    const metrics = Object.fromEntries(((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.map((m) => [m.name, m.value]));
    const rowsDrawn = await page.locator('.conversation-row').count();

    // Frame times while scrolling the whole list.
    const frames = await page.evaluate(async () => {
      const scroller = document.querySelector('.virtual-scroll') as HTMLElement;
      const deltas: number[] = [];
      let last = performance.now();
      const end = performance.now() + 3000;
      await new Promise<void>((resolve) => {
        const step = (now: number) => {
          deltas.push(now - last);
          last = now;
          scroller.scrollTop += 400;
          if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight) scroller.scrollTop = 0;
          if (now < end) requestAnimationFrame(step);
          else resolve();
        };
        requestAnimationFrame(step);
      });
      return deltas.slice(1);
    });

    // End to end: one buyer writes into the open conversation as fast as the stack acks.
    await page.evaluate(() => ((document.querySelector('.virtual-scroll') as HTMLElement).scrollTop = 0));
    // Alt+↓ opens the first conversation of the list; its buyer writes into it over a real socket.
    await page.keyboard.press('Alt+ArrowDown');
    const selectedRow = page.locator('.conversation-row.selected');
    const firstConversation = (await selectedRow.getAttribute('data-conversation'))!;
    const firstBuyerToken = await sign((await selectedRow.locator('.buyer').textContent())!.trim(), 'buyer');
    const buyer = await openKefuSocket(urls, firstBuyerToken);
    const e2eStarted = Date.now();
    let lastText = '';
    for (let i = 0; i < messageCount; i++) {
      lastText = `连发第${i}条`;
      const ack = await request(buyer, { action: 'sendMessage', shopId, conversationId: firstConversation, clientMessageId: `burst-${i}`, text: lastText }, `b${i}`);
      if (ack.type !== 'ack') throw new Error(`burst refused: ${JSON.stringify(ack)}`);
    }
    const sentSeconds = (Date.now() - e2eStarted) / 1000;
    await page.locator('.messages .bubble .text', { hasText: lastText }).waitFor({ timeout: 120_000 });
    const e2eSeconds = (Date.now() - e2eStarted) / 1000;
    buyer.close();

    // The client alone: message frames handed to the page's connection as if they came off the socket.
    const clientOnly = await page.evaluate(async (count) => {
      const workbench = (globalThis as unknown as { kefuWorkbench: { conversations: Map<string, { conversationId: string; log: { through: number } }>; receive(frame: unknown): void } }).kefuWorkbench;
      const all = [...workbench.conversations.values()];
      const selected = document.querySelector('.conversation-row.selected')?.getAttribute('data-conversation');
      const t0 = performance.now();
      let lastSelected = '';
      for (let i = 0; i < count; i++) {
        const target = i % 2 === 0 && selected ? workbench.conversations.get(selected)! : all[i % all.length]!;
        const seq = target.log.through + 1;
        const text = `客户端渲染${i}`;
        if (target.conversationId === selected) lastSelected = text;
        workbench.receive({
          type: 'message',
          conversationId: target.conversationId,
          seq,
          message: { conversationId: target.conversationId, seq, senderId: 'buyer-x', senderRole: 'buyer', clientMessageId: `cm${i}`, text, createdAt: new Date().toISOString() },
        });
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 0));
      }
      await new Promise<void>((resolve) => {
        const check = () => ([...document.querySelectorAll('.messages .bubble .text')].some((n) => n.textContent === lastSelected) ? resolve() : requestAnimationFrame(check));
        check();
      });
      await new Promise((r) => requestAnimationFrame(() => r(undefined)));
      return performance.now() - t0;
    }, messageCount);

    const result = {
      scenario: 'workbench',
      at: new Date().toISOString(),
      machine: { cores: cpus().length, loadAverage: loadavg()[0] },
      conversations,
      assigned,
      seedSeconds,
      timeToInteractiveMs: { median: median(loads), runs: loads },
      memory: { jsHeapUsedMB: +(metrics.JSHeapUsedSize! / 1024 / 1024).toFixed(1), jsHeapTotalMB: +(metrics.JSHeapTotalSize! / 1024 / 1024).toFixed(1), domNodes: metrics.Nodes, rowsDrawn },
      scrollFrameMs: { p50: +percentile(frames, 50).toFixed(1), p95: +percentile(frames, 95).toFixed(1), max: +Math.max(...frames).toFixed(1), frames: frames.length },
      messagesRenderedPerSecond: {
        endToEnd: +(messageCount / e2eSeconds).toFixed(1),
        endToEndStackAckRate: +(messageCount / sentSeconds).toFixed(1),
        clientOnly: +(messageCount / (clientOnly / 1000)).toFixed(0),
        messages: messageCount,
      },
      elapsedSeconds: Math.round((Date.now() - started) / 1000),
    };
    console.log(JSON.stringify(result, null, 2));
    const dir = join(repoRoot, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'workbench.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log('JSON: bench/results/workbench.json');
  } finally {
    await browser.close();
    await stack.stop();
  }
}

await main();
