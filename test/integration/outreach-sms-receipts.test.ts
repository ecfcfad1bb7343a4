import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as receiptsRoute } from '../../functions/http/receive-sms-receipts';
import { signKefuEvent } from '../../shared/orders/ingest/verify-kefu-event';
import { fireTask } from '../../shared/outreach/fire-task';
import type { FireJob } from '../../shared/outreach/jobs';
import { minuteOf } from '../../shared/outreach/task';
import { resetEnvForTests } from '../../shared/runtime/env';
import { createTask, getTask } from '../../shared/store/outreach';
import { httpEvent, lambdaContext } from '../support/events';
import { campaignTask, ownOutreachQueue, recordingGateway, saveSettings } from './outreach-fixtures';
import { createShop } from './routing-fixtures';

const tenant = `outreach-sms-${randomUUID().slice(0, 8)}`;
const otherTenant = `outreach-sms-b-${randomUUID().slice(0, 8)}`;
const secret = 'sms-callback-secret-for-tests-01';
const morning = new Date('2026-12-05T02:00:00.000Z');
const plus = (base: Date, minutes: number) => new Date(base.getTime() + minutes * 60_000);
const fireJob = (taskId: string, dueMinute: string, phase: FireJob['phase'] = 'send'): FireJob => ({ type: 'fire', tenantId: tenant, taskId, dueMinute, phase });

/** POSTs receipts as the provider's callback does: the raw bytes, signed (or not) with a secret. */
async function postReceipts(body: unknown, sign: { secret?: string; at?: Date } | 'unsigned' = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = sign === 'unsigned' ? {} : { 'kefu-signature': signKefuEvent(Buffer.from(raw), [sign.secret ?? secret], sign.at ?? new Date()) };
  const response = (await receiptsRoute(httpEvent({ method: 'POST', path: '/v1/sms/receipts', rawBody: raw, headers }), lambdaContext)) as { statusCode: number; body: string };
  return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
}

beforeAll(async () => {
  process.env.SMS_CALLBACK_SECRET = secret;
  resetEnvForTests();
  await ownOutreachQueue('outreach-sms');
  await createShop(tenant, 'shop-sms');
  await saveSettings(tenant, 'shop-sms', { quietHours: { start: '00:00', end: '00:00' }, channels: { resendAfterHours: 2, sms: { enabled: true, startPerDay: 10, growth: 1 } } });
});

describe('SMS delivery and read receipts (the provider adapter\'s signed callback)', () => {
  it('a read SMS is not resent; an unread one is resent on chat once; receipts are signed, checked, recorded once, and stay in their tenant', async () => {
    const read = { ...campaignTask(tenant, 'shop-sms', `ot_smsr_${randomUUID().slice(0, 6)}`, 'buyer-sms-1', morning), channel: 'sms' as const };
    const unread = { ...campaignTask(tenant, 'shop-sms', `ot_smsu_${randomUUID().slice(0, 6)}`, 'buyer-sms-2', morning), channel: 'sms' as const };
    await Promise.all([createTask(read), createTask(unread)]);
    const gateway = recordingGateway();
    expect(await fireTask(fireJob(read.taskId, read.dueMinute), morning, gateway.deps)).toBe('sent');
    expect(await fireTask(fireJob(unread.taskId, unread.dueMinute), morning, gateway.deps)).toBe('sent');
    expect(gateway.sent.map((item) => item.channel)).toEqual(['sms', 'sms']);

    const at = plus(morning, 5).toISOString();
    const receipts = {
      receipts: [
        { tenantId: tenant, taskId: read.taskId, status: 'delivered', at },
        { tenantId: tenant, taskId: read.taskId, status: 'read', at },
        { tenantId: tenant, taskId: unread.taskId, status: 'delivered', at },
        // Another tenant's id for the same task: no such task there, nothing written anywhere.
        { tenantId: otherTenant, taskId: unread.taskId, status: 'read', at },
      ],
    };
    // Refused before anything is parsed or stored: no signature, another secret, a stale timestamp.
    expect(await postReceipts(receipts, 'unsigned')).toMatchObject({ status: 401, body: { error: { code: 'MISSING_SIGNATURE' } } });
    expect(await postReceipts(receipts, { secret: 'another-providers-secret-0001' })).toMatchObject({ status: 401, body: { error: { code: 'SIGNATURE_MISMATCH' } } });
    expect(await postReceipts(receipts, { at: plus(new Date(), -10) })).toMatchObject({ status: 401, body: { error: { code: 'STALE_TIMESTAMP' } } });
    // Signed but malformed: 400 naming the field, nothing recorded from the batch.
    const bad = await postReceipts({ receipts: [receipts.receipts[1], { ...receipts.receipts[2], status: 'opened' }] });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'body.receipts.1.status' })] } } });
    expect((await getTask(tenant, read.taskId))?.reach?.readAt).toBeUndefined();

    expect(await postReceipts(receipts)).toEqual({ status: 200, body: { recorded: 3, ignored: 1 } });
    // The provider repeats its callback: recorded once.
    expect(await postReceipts(receipts)).toEqual({ status: 200, body: { recorded: 0, ignored: 4 } });
    expect((await getTask(tenant, read.taskId))?.reach).toMatchObject({ channel: 'sms', deliveredAt: at, readAt: at });
    expect((await getTask(tenant, unread.taskId))?.reach).toMatchObject({ channel: 'sms', deliveredAt: at });
    expect((await getTask(tenant, unread.taskId))?.reach?.readAt).toBeUndefined();
    expect(await getTask(otherTenant, unread.taskId)).toBeUndefined();

    // resendAfterHours later: the read SMS stops there; the unread one goes again on chat, once.
    const reachMinute = minuteOf(plus(morning, 120));
    const later = plus(morning, 121);
    expect(await fireTask(fireJob(read.taskId, reachMinute, 'reach'), later, gateway.deps)).toBe('nothing-to-do');
    const [first, second] = await Promise.all([fireTask(fireJob(unread.taskId, reachMinute, 'reach'), later, gateway.deps), fireTask(fireJob(unread.taskId, reachMinute, 'reach'), later, gateway.deps)]);
    expect([first, second].sort()).toEqual(['nothing-to-do', 'resent']);
    expect(gateway.to(read.taskId).map((item) => item.channel)).toEqual(['sms']);
    expect(gateway.to(unread.taskId).map((item) => item.channel)).toEqual(['sms', 'chat']);
    expect((await getTask(tenant, unread.taskId))?.reach).toMatchObject({ channel: 'sms', resentOn: 'chat' });
  });
});
