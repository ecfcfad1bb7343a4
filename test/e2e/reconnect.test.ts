import { describe, expect, it } from 'vitest';
import type { ChatClient } from '../support/ws-client';
import { useDemoStack } from '../support/demo-stack';

/**
 * Matrix row 12 over real sockets: API Gateway drops a WebSocket after 10 idle minutes and every one
 * after 2 hours. The local stack enforces both, shortened here to 1.5 s and 15 s; clients that were cut
 * off reconnect with a new ticket and catch up from their last seen sequence without losing anything.
 */
const idleTimeoutMs = 1500;
// Long enough that the agent's socket outlives the setup (connect, routing) on a loaded machine, which took
// over 5 s at load ~20 and cut the agent off before its assignment arrived.
const maxLifetimeMs = 15_000;
const { connect } = useDemoStack({ websocket: { idleTimeoutMs, maxLifetimeMs } });

describe('cut-off clients catch up after reconnecting', () => {
  it('a buyer cut off for idling, and an agent cut off at the lifetime limit, both receive every missed message in order', async () => {
    const agentShops = ['peach-glow', 'old-time-apparel'];
    const agentConnectingAt = Date.now();
    let agent = await connect('xiaomei', 'agent', agentShops);
    // Keep the agent's socket busy so only the lifetime limit can close it; the buyer pings only once back.
    let buyerKeepsAlive = false;
    let buyer: ChatClient | undefined;
    const ping = (client: ChatClient | undefined) => client?.socket.readyState === client?.socket.OPEN && client?.socket.send('{"action":"ping"}');
    const keepAlive = setInterval(() => {
      ping(agent);
      if (buyerKeepsAlive) ping(buyer);
    }, 400);
    try {
      await agent.request({ action: 'setPresence', presence: 'online' });

      buyer = await connect('buyer-reconnect', 'buyer');
      const first = await buyer.request({ action: 'sendMessage', shopId: 'peach-glow', clientMessageId: 'q1', text: '在吗？' });
      const conversationId = String(first.conversationId);
      await agent.next((f) => f.type === 'assigned' && f.conversationId === conversationId, maxLifetimeMs);

      // The buyer goes quiet and is cut off (1001, like API Gateway's idle timeout).
      expect(await buyer.closedWithin(idleTimeoutMs + 5000)).toBe(1001);
      for (const [i, text] of ['在的亲', '请问有什么可以帮您？'].entries()) {
        expect(await agent.request({ action: 'sendMessage', conversationId, clientMessageId: `a${i}`, text })).toMatchObject({ seq: 2 + i });
      }
      buyer = await connect('buyer-reconnect', 'buyer');
      buyerKeepsAlive = true;
      // Unread counts the agent's two replies; the buyer's own message is read by its sender.
      const buyerInbox = await buyer.request({ action: 'hello' });
      expect(buyerInbox.conversations).toEqual([expect.objectContaining({ conversationId, lastSeq: 3, unread: 2 })]);
      const buyerCatchUp = await buyer.request({ action: 'resume', conversations: [{ conversationId, afterSeq: 1 }] });
      expect((buyerCatchUp.pages as { messages: { seq: number; text: string }[] }[])[0]!.messages.map((m) => m.text)).toEqual([
        '在的亲',
        '请问有什么可以帮您？',
      ]);

      // The agent's socket reaches the lifetime limit while the buyer keeps writing.
      const agentClosed = await agent.closedWithin(maxLifetimeMs + 5000);
      expect(agentClosed).toBe(1001);
      expect(Date.now() - agentConnectingAt).toBeGreaterThanOrEqual(maxLifetimeMs);
      expect(await buyer.request({ action: 'sendMessage', shopId: 'peach-glow', conversationId, clientMessageId: 'q2', text: '想问下发货时间' })).toMatchObject({
        seq: 4,
      });

      agent = await connect('xiaomei', 'agent', agentShops);
      const agentInbox = await agent.request({ action: 'hello' });
      expect(agentInbox.conversations).toEqual([expect.objectContaining({ conversationId, lastSeq: 4 })]);
      const agentCatchUp = await agent.request({ action: 'resume', conversations: [{ conversationId, afterSeq: 3 }] });
      expect((agentCatchUp.pages as { messages: { seq: number; text: string }[] }[])[0]!.messages).toEqual([
        expect.objectContaining({ seq: 4, text: '想问下发货时间' }),
      ]);
    } finally {
      clearInterval(keepAlive);
    }
  }, 90_000);
});
