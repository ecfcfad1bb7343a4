import { describe, expect, it } from 'vitest';
import type { OrderEventMessage } from '../../shared/orders/order-event-message';
import type { OrderEventLogEntry } from '../../shared/orders/order-event-log';
import { pullOnce, pullShop, type PullDependencies } from '../../shared/orders/pull-connector';

const shop = { tenantId: 't1', shopId: 'peach', platformShopId: '2200000001' };
const now = new Date('2026-11-11T00:00:10Z');
const paid = (id: string, tid = '3712345678901234567') => ({
  id,
  topic: 'taobao_trade_TradeBuyerPay',
  pub_time: '2026-11-11 08:00:05',
  user_id: '2200000001',
  content: JSON.stringify({ tid: Number(tid) > 1e15 ? tid : Number(tid), status: 'WAIT_SELLER_SEND_GOODS', modified: '2026-11-11 08:00:04' }),
});

/** A fake TMC and queue that write down, in order, what the connector did. */
function fakes(batch: unknown[], options: { failSend?: (messageId: string) => boolean; failRecord?: boolean } = {}) {
  const calls: string[] = [];
  const deps: PullDependencies = {
    consume: async () => (calls.push('consume'), batch),
    send: async (messages: readonly OrderEventMessage[]) => {
      calls.push(`send ${messages.map((m) => m.envelope.messageId).join(',')}`);
      const ids = messages.map((m) => m.envelope.messageId);
      return { sent: ids.filter((id) => !options.failSend?.(id)), failed: ids.filter((id) => options.failSend?.(id) ?? false) };
    },
    record: async (entries: readonly OrderEventLogEntry[]) => {
      calls.push(`record ${entries.map((e) => e.messageId).join(',')}`);
      if (options.failRecord) throw new Error('table throttled');
    },
    confirm: async (ids: readonly string[]) => void calls.push(`confirm ${ids.join(',')}`),
  };
  return { deps, calls };
}

describe('pull connector: confirm only what is kept, and only after it is kept', () => {
  it('enqueues accepted messages before confirming exactly those', async () => {
    const { deps, calls } = fakes([paid('m1'), paid('m2')]);
    expect(await pullOnce(shop, deps, now)).toEqual({ consumed: 2, enqueued: 2, setAside: 0, confirmed: 2, unconfirmed: 0 });
    expect(calls).toEqual(['consume', 'send m1,m2', 'confirm m1,m2']);
  });

  it('leaves unconfirmed every message whose enqueue failed, so TMC hands it out again', async () => {
    const { deps, calls } = fakes([paid('m1'), paid('m2'), paid('m3')], { failSend: (id) => id === 'm2' });
    expect(await pullOnce(shop, deps, now)).toMatchObject({ enqueued: 2, confirmed: 2, unconfirmed: 1 });
    expect(calls.at(-1)).toBe('confirm m1,m3');
  });

  it('confirms ignored and rejected messages once they are recorded, and not if the record failed', async () => {
    const memo = { ...paid('m-memo'), topic: 'taobao_trade_TradeMemoModified' };
    const foreign = { ...paid('m-foreign'), user_id: '999' };
    const recorded = fakes([paid('m1'), memo, foreign]);
    expect(await pullOnce(shop, recorded.deps, now)).toMatchObject({ enqueued: 1, setAside: 2, confirmed: 3 });
    expect(recorded.calls).toEqual(['consume', 'send m1', 'record m-memo,m-foreign', 'confirm m1,m-memo,m-foreign']);

    const unrecorded = fakes([paid('m1'), memo], { failRecord: true });
    expect(await pullOnce(shop, unrecorded.deps, now)).toMatchObject({ confirmed: 1, unconfirmed: 1 });
    expect(unrecorded.calls.at(-1)).toBe('confirm m1');
  });

  it('confirms nothing if the process dies during the enqueue (killed before confirm)', async () => {
    const { deps, calls } = fakes([paid('m1')]);
    deps.send = async () => {
      calls.push('send');
      throw new Error('Lambda timed out');
    };
    await expect(pullOnce(shop, deps, now)).rejects.toThrow('timed out');
    expect(calls).toEqual(['consume', 'send']);
  });

  it('keeps pulling while batches come back full, and stops on a short one or when nothing could be kept', async () => {
    const full = Array.from({ length: 10 }, (_, i) => paid(`m${i}`));
    let batches = 0;
    const { deps } = fakes([]);
    deps.consume = async () => (++batches < 3 ? full : full.slice(0, 4));
    expect(await pullShop(shop, deps, { deadline: Date.now() + 10_000, batchSize: 10 })).toMatchObject({ consumed: 24, confirmed: 24 });
    expect(batches).toBe(3);

    const failing = fakes(full, { failSend: () => true });
    let calls = 0;
    failing.deps.consume = async () => (calls++, full);
    expect(await pullShop(shop, failing.deps, { deadline: Date.now() + 10_000, batchSize: 10 })).toMatchObject({ confirmed: 0, unconfirmed: 10 });
    expect(calls).toBe(1);
  });
});
