import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { noticeBuyerMessage } from '../../shared/outreach/buyer-message';
import { fireTask, type FireDependencies } from '../../shared/outreach/fire-task';
import type { FireJob } from '../../shared/outreach/jobs';
import { createTask, getTask } from '../../shared/store/outreach';
import { campaignTask, ownOutreachQueue, recordingGateway, saveSettings } from './outreach-fixtures';
import { createShop } from './routing-fixtures';

/**
 * An opt-out arriving after a send read the buyer's opt-out (strongly consistent) and before the message
 * goes (docs/outreach-design.md §3 Opt-out, §6): the opt-out is stamped on the buyer's day items, and the
 * send's daily-slot write — its last write before a chat message goes — is conditioned on it, so the task is
 * cancelled instead of sent. The interleaving is forced with a hook on the slot step.
 */
const tenant = `outreach-optw-${randomUUID().slice(0, 8)}`;
const fireJob = (taskId: string, dueMinute: string): FireJob => ({ type: 'fire', tenantId: tenant, taskId, dueMinute, phase: 'send' });

beforeAll(async () => {
  await ownOutreachQueue('outreach-optw');
  await createShop(tenant, 'shop-w1');
  await createShop(tenant, 'shop-w2');
  // No quiet hours: the late-evening (UTC) case below sends at 04:00 Shanghai time, the next local day.
  for (const shopId of ['shop-w1', 'shop-w2']) await saveSettings(tenant, shopId, { brandId: 'brand-w', quietHours: { start: '00:00', end: '00:00' } });
});

/** Fires with the buyer writing 退订 (at the brand's other shop) after the send's reads, just before its slot write. */
function optOutBeforeTheSlot(buyerId: string, at: Date) {
  const recorder = recordingGateway();
  const deps: FireDependencies = {
    ...recorder.deps,
    takeBuyerDaySlot: async (...args) => {
      expect(await noticeBuyerMessage({ tenantId: tenant, shopId: 'shop-w2', buyerId, text: '退订' }, at)).toBe(true);
      return recorder.deps.takeBuyerDaySlot(...args);
    },
  };
  return { deps, recorder };
}

describe('an opt-out between the send\'s read and the send (DynamoDB Local)', () => {
  it.each([
    // 10:00 in Shanghai: the shop's local day is the UTC day.
    ['the same local and UTC day', new Date('2026-12-05T02:00:00.000Z')],
    // 04:00 on 12-06 in Shanghai while it is still 12-05 in UTC: the stamp covers the days around now in every zone.
    ['a local day ahead of UTC', new Date('2026-12-05T20:00:00.000Z')],
  ])('is honoured by the daily-slot write (%s): the task is cancelled, nothing is sent, and a redelivered job sends nothing (row 1)', async (_case, at) => {
    const buyerId = `buyer-optw-${randomUUID().slice(0, 6)}`;
    const task = campaignTask(tenant, 'shop-w1', `ot_optw_${randomUUID().slice(0, 8)}`, buyerId, at, 'brand-w');
    await createTask(task);
    const { deps, recorder } = optOutBeforeTheSlot(buyerId, at);
    expect(await fireTask(fireJob(task.taskId, task.dueMinute), at, deps)).toBe('cancelled');
    expect(recorder.sent).toHaveLength(0);
    const stored = await getTask(tenant, task.taskId);
    expect(stored).toMatchObject({ status: 'cancelled', reason: 'opted-out' });
    expect(stored?.claimedAt).toBeUndefined();
    // A redelivered copy of the job finds it cancelled: still nothing sent.
    expect(await fireTask(fireJob(task.taskId, task.dueMinute), at, recorder.deps)).toBe('stale');
    expect(recorder.sent).toHaveLength(0);
  });

  it('another buyer of the brand is not stopped by it, and the cap still defers rather than cancels', async () => {
    const at = new Date('2026-12-06T02:00:00.000Z');
    const optedOut = `buyer-optw-${randomUUID().slice(0, 6)}`;
    const other = `buyer-optw-${randomUUID().slice(0, 6)}`;
    expect(await noticeBuyerMessage({ tenantId: tenant, shopId: 'shop-w2', buyerId: optedOut, text: '退订' }, at)).toBe(true);
    const recorder = recordingGateway();
    const tasks = [1, 2, 3, 4].map((n) => campaignTask(tenant, 'shop-w1', `ot_optw_${n}_${randomUUID().slice(0, 6)}`, other, at, 'brand-w'));
    for (const task of tasks) await createTask(task);
    const outcomes = [];
    for (const task of tasks) outcomes.push(await fireTask(fireJob(task.taskId, task.dueMinute), at, recorder.deps));
    // Default cap 3 per buyer per local day: the fourth waits for tomorrow.
    expect(outcomes).toEqual(['sent', 'sent', 'sent', 'deferred-cap']);
  });
});
