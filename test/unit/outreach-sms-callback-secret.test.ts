import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { handler as receiptsRoute } from '../../functions/http/receive-sms-receipts';
import { signKefuEvent } from '../../shared/orders/ingest/verify-kefu-event';
import { smsCallbackSecretMaxAgeSeconds, smsCallbackSecretRefreshMs, smsCallbackSecrets } from '../../shared/outreach/sms-callback-secret';
import { receiveSmsReceipts } from '../../shared/outreach/sms-receipts';
import { resetEnvForTests } from '../../shared/runtime/env';
import { httpEvent, lambdaContext } from '../support/events';

/**
 * The SMS callback secret in Secrets Manager (docs/outreach-design.md §5, docs/deploy.md): read through
 * Powertools Parameters with a maxAge cache, current and previous accepted during a rotation, and an unset,
 * placeholder or unreadable secret refusing every receipt with 401 SMS_RECEIPTS_NOT_CONFIGURED, never a 500.
 */
const secretsManager = mockClient(SecretsManagerClient);
const arn = 'arn:aws:secretsmanager:ap-southeast-1:111111111111:secret:SmsCallbackSecret-AbCdEf';
const oldSecret = 'provider-secret-old-0000000001';
const newSecret = 'provider-secret-new-0000000002';
const start = new Date('2026-12-05T02:00:00.000Z');
const body = { receipts: [{ tenantId: 't1', taskId: 'ot_unit', status: 'delivered', at: start.toISOString() }] };
const raw = Buffer.from(JSON.stringify(body));
const headersSignedWith = (secret: string, at = new Date()) => ({ 'Kefu-Signature': signKefuEvent(raw, [secret], at) });
const stored = (value: unknown) => ({ SecretString: JSON.stringify(value), Name: 'SmsCallbackSecret', ARN: arn });

let saved: { arn?: string; local?: string };
beforeEach(() => {
  saved = { arn: process.env.SMS_CALLBACK_SECRET_ARN, local: process.env.SMS_CALLBACK_SECRET };
  process.env.SMS_CALLBACK_SECRET_ARN = arn;
  delete process.env.SMS_CALLBACK_SECRET;
  resetEnvForTests();
  secretsManager.reset();
});
afterEach(() => {
  vi.useRealTimers();
  for (const [name, value] of [['SMS_CALLBACK_SECRET_ARN', saved.arn], ['SMS_CALLBACK_SECRET', saved.local]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetEnvForTests();
});
afterAll(() => secretsManager.restore());

/** One source per test: each has its own Powertools provider, so its own cache. */
function receive(headers: Record<string, string>, source = smsCallbackSecrets()) {
  const record = vi.fn(async () => true);
  return { result: receiveSmsReceipts(raw, headers, new Date(), { secrets: source, record }), record };
}

describe('the SMS callback secret from Secrets Manager (unit, aws-sdk-client-mock)', () => {
  it('accepts a receipt signed with the current secret, read by the ARN the stack gives the receipts function', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(stored({ current: newSecret }));
    const { result, record } = receive(headersSignedWith(newSecret));
    await expect(result).resolves.toEqual({ recorded: 1, ignored: 0 });
    expect(record).toHaveBeenCalledTimes(1);
    expect(secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId)).toEqual([arn]);
  });

  it('accepts the previous secret during a rotation, and the current one, and nothing else (row 23)', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(stored({ current: newSecret, previous: oldSecret }));
    const source = smsCallbackSecrets();
    await expect(receive(headersSignedWith(oldSecret), source).result).resolves.toEqual({ recorded: 1, ignored: 0 });
    await expect(receive(headersSignedWith(newSecret), source).result).resolves.toEqual({ recorded: 1, ignored: 0 });
    const forged = receive(headersSignedWith('someone-elses-secret-000000003'), source);
    await expect(forged.result).rejects.toMatchObject({ status: 401, code: 'SIGNATURE_MISMATCH' });
    expect(forged.record).not.toHaveBeenCalled();
  });

  it.each([
    ['missing (ResourceNotFoundException)', () => secretsManager.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))],
    ['unreadable (AccessDenied)', () => secretsManager.on(GetSecretValueCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }))],
    ['the stack\'s {} placeholder, before the operator put the provider\'s secret', () => secretsManager.on(GetSecretValueCommand).resolves(stored({}))],
    ['not JSON', () => secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'plain-text-secret-00000000' })],
  ])('refuses every receipt with 401 SMS_RECEIPTS_NOT_CONFIGURED when the secret is %s, storing nothing', async (_case, arrange) => {
    arrange();
    const { result, record } = receive(headersSignedWith(newSecret));
    await expect(result).rejects.toMatchObject({ status: 401, code: 'SMS_RECEIPTS_NOT_CONFIGURED' });
    expect(record).not.toHaveBeenCalled();
  });

  it('through the route: a secret that cannot be read is a 401 with its code, never a 500', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    const response = (await receiptsRoute(httpEvent({ method: 'POST', path: '/v1/sms/receipts', rawBody: raw.toString(), headers: headersSignedWith(newSecret) }), lambdaContext)) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'SMS_RECEIPTS_NOT_CONFIGURED', details: [{ field: 'headers.kefu-signature' }] } });
  });

  it(`keeps the secret ${smsCallbackSecretMaxAgeSeconds} s: one GetSecretValue for many receipts, a new one after maxAge`, async () => {
    vi.useFakeTimers({ now: start, toFake: ['Date'] });
    secretsManager.on(GetSecretValueCommand).resolves(stored({ current: newSecret }));
    const source = smsCallbackSecrets();
    for (let i = 0; i < 5; i++) await expect(receive(headersSignedWith(newSecret), source).result).resolves.toEqual({ recorded: 1, ignored: 0 });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    vi.setSystemTime(start.getTime() + smsCallbackSecretMaxAgeSeconds * 1000 + 1000);
    await expect(receive(headersSignedWith(newSecret), source).result).resolves.toEqual({ recorded: 1, ignored: 0 });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('a provider switched before the cache expired is accepted at once (one re-read), and bad signatures re-read at most every 30 s', async () => {
    vi.useFakeTimers({ now: start, toFake: ['Date'] });
    secretsManager.on(GetSecretValueCommand).resolvesOnce(stored({ current: oldSecret })).resolves(stored({ current: newSecret, previous: oldSecret }));
    const source = smsCallbackSecrets();
    await expect(receive(headersSignedWith(oldSecret), source).result).resolves.toEqual({ recorded: 1, ignored: 0 });
    // The operator put {current: new, previous: old} and switched the provider a second later.
    vi.setSystemTime(start.getTime() + 1000);
    await expect(receive(headersSignedWith(newSecret), source).result).resolves.toEqual({ recorded: 1, ignored: 0 });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    // A flood of forged receipts: refused, and no further reads within the refresh interval.
    for (let i = 0; i < 10; i++) await expect(receive(headersSignedWith('forged-secret-000000000000004'), source).result).rejects.toMatchObject({ code: 'SIGNATURE_MISMATCH' });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    vi.setSystemTime(start.getTime() + 1000 + smsCallbackSecretRefreshMs);
    await expect(receive(headersSignedWith('forged-secret-000000000000004'), source).result).rejects.toMatchObject({ code: 'SIGNATURE_MISMATCH' });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(3);
  });

  it('locally (no ARN) the simulator\'s secret comes from SMS_CALLBACK_SECRET, and Secrets Manager is never called', async () => {
    delete process.env.SMS_CALLBACK_SECRET_ARN;
    process.env.SMS_CALLBACK_SECRET = oldSecret;
    resetEnvForTests();
    await expect(receive(headersSignedWith(oldSecret)).result).resolves.toEqual({ recorded: 1, ignored: 0 });
    delete process.env.SMS_CALLBACK_SECRET;
    resetEnvForTests();
    await expect(receive(headersSignedWith(oldSecret)).result).rejects.toMatchObject({ status: 401, code: 'SMS_RECEIPTS_NOT_CONFIGURED' });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});
