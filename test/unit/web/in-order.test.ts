import { describe, expect, it } from 'vitest';
import { InOrder } from '../../../web/src/in-order';

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sends one at a time per conversation (InOrder)', () => {
  it('starts a send only after the one before it settled, however much faster the later one would be', async () => {
    const order = new InOrder();
    const events: string[] = [];
    const send = (name: string, ms: number) => order.run(async () => {
      events.push(`start ${name}`);
      await later(ms);
      events.push(`acked ${name}`);
    });
    await Promise.all([send('顺丰包邮哦', 30), send('还有其他问题吗？', 0)]);
    expect(events).toEqual(['start 顺丰包邮哦', 'acked 顺丰包邮哦', 'start 还有其他问题吗？', 'acked 还有其他问题吗？']);
  });

  it('goes on with the next send after one fails', async () => {
    const order = new InOrder();
    const ran: string[] = [];
    const failed = order.run(async () => {
      ran.push('first');
      throw new Error('disconnected');
    });
    const second = order.run(async () => {
      ran.push('second');
    });
    await expect(failed).rejects.toThrow('disconnected');
    await second;
    expect(ran).toEqual(['first', 'second']);
  });
});
