import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { receiveWebhook, isSignatureRejection } from '../../shared/orders/ingest/receive-webhook';
import { verifyDouyinWebhook } from '../../shared/orders/ingest/verify-douyin-webhook';
import { signKefuEvent, verifyKefuEvent } from '../../shared/orders/ingest/verify-kefu-event';
import { verifyShopifyWebhook } from '../../shared/orders/ingest/verify-shopify-webhook';

/**
 * Signature vectors for each webhook adapter (issue 7 "Done when", reliability row 23). The expected
 * signatures are computed here independently with node:crypto, as each platform documents them.
 */
const oldSecret = 'whsec-old-0123456789';
const newSecret = 'whsec-new-9876543210';
const body = Buffer.from('{"id":820982911946154500,"note":"礼物 🎁","total_price":"12.30"}', 'utf8');
const tampered = Buffer.from(body.toString('utf8').replace('12.30', '0.01'), 'utf8');
const now = new Date('2026-11-11T00:00:00Z');

const shopifySignature = (secret: string, bytes: Uint8Array) => createHmac('sha256', secret).update(bytes).digest('base64');
const douyinSignature = (secret: string, bytes: Uint8Array) => createHash('sha1').update(secret + Buffer.from(bytes).toString('utf8')).digest('hex');
const kefuSignature = (secret: string, t: number, bytes: Uint8Array) => `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${Buffer.from(bytes).toString('utf8')}`).digest('hex')}`;
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

afterEach(() => vi.restoreAllMocks());

describe('verifyShopifyWebhook (base64 HMAC-SHA256 of the raw body)', () => {
  const verify = (signature: string | undefined, bytes = body, secrets = [newSecret]) =>
    verifyShopifyWebhook(bytes, signature === undefined ? {} : { 'x-shopify-hmac-sha256': signature }, secrets);

  it('accepts the signature made with the shop secret', () => {
    expect(verify(shopifySignature(newSecret, body))).toEqual({ ok: true, secretIndex: 0 });
  });
  it('refuses a signature made with another secret (row 23)', () => {
    expect(verify(shopifySignature('someone-else', body))).toMatchObject({ ok: false, rejection: { reason: 'SIGNATURE_MISMATCH' } });
  });
  it('refuses a tampered body under the original signature (row 23)', () => {
    expect(verify(shopifySignature(newSecret, body), tampered)).toMatchObject({ ok: false, rejection: { reason: 'SIGNATURE_MISMATCH' } });
  });
  it('accepts the old and the new secret during a rotation, and says which matched', () => {
    expect(verify(shopifySignature(oldSecret, body), body, [oldSecret, newSecret])).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(shopifySignature(newSecret, body), body, [oldSecret, newSecret])).toEqual({ ok: true, secretIndex: 1 });
  });
  it('refuses the retired secret once the rotation is over', () => {
    expect(verify(shopifySignature(oldSecret, body), body, [newSecret])).toMatchObject({ ok: false, rejection: { reason: 'SIGNATURE_MISMATCH' } });
  });
  it('refuses a missing header and a garbled one with distinct reasons (row 23)', () => {
    expect(verify(undefined)).toMatchObject({ ok: false, rejection: { reason: 'MISSING_SIGNATURE', field: 'headers.x-shopify-hmac-sha256' } });
    expect(verify('not base64!')).toMatchObject({ ok: false, rejection: { reason: 'MALFORMED_SIGNATURE' } });
    expect(verify(createHmac('sha256', newSecret).update(body).digest('hex'))).toMatchObject({ ok: false, rejection: { reason: 'MALFORMED_SIGNATURE' } });
  });
  it('fails closed when the shop has no secret configured', () => {
    expect(verify(shopifySignature(newSecret, body), body, [])).toMatchObject({ ok: false, rejection: { reason: 'SIGNATURE_MISMATCH' } });
  });
  it('checks the bytes, not a re-serialisation: the same JSON with other spacing is refused', () => {
    const respaced = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8')), null, 2));
    expect(verify(shopifySignature(newSecret, body), respaced)).toMatchObject({ ok: false });
  });
});

describe('verifyDouyinWebhook (hex SHA-1 of secret ‖ raw body)', () => {
  const verify = (signature: string | undefined, bytes = body, secrets = [newSecret]) =>
    verifyDouyinWebhook(bytes, signature === undefined ? {} : { 'x-douyin-signature': signature }, secrets);

  it('accepts the signature Douyin computes', () => {
    expect(verify(douyinSignature(newSecret, body))).toEqual({ ok: true, secretIndex: 0 });
  });
  it('accepts upper-case hex', () => {
    expect(verify(douyinSignature(newSecret, body).toUpperCase())).toMatchObject({ ok: true });
  });
  it('refuses a wrong secret and a tampered body (row 23)', () => {
    expect(verify(douyinSignature('someone-else', body))).toMatchObject({ ok: false, rejection: { reason: 'SIGNATURE_MISMATCH' } });
    expect(verify(douyinSignature(newSecret, body), tampered)).toMatchObject({ ok: false, rejection: { reason: 'SIGNATURE_MISMATCH' } });
  });
  it('is a plain hash, not an HMAC: an HMAC-SHA1 with the secret is refused', () => {
    expect(verify(createHmac('sha1', newSecret).update(body).digest('hex'))).toMatchObject({ ok: false, rejection: { reason: 'SIGNATURE_MISMATCH' } });
  });
  it('accepts old and new secret during a rotation', () => {
    expect(verify(douyinSignature(oldSecret, body), body, [oldSecret, newSecret])).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(douyinSignature(newSecret, body), body, [oldSecret, newSecret])).toEqual({ ok: true, secretIndex: 1 });
  });
  it('refuses a missing or garbled header (row 23)', () => {
    expect(verify(undefined)).toMatchObject({ ok: false, rejection: { reason: 'MISSING_SIGNATURE' } });
    expect(verify('zz'.repeat(20))).toMatchObject({ ok: false, rejection: { reason: 'MALFORMED_SIGNATURE' } });
    expect(verify(douyinSignature(newSecret, body).slice(2))).toMatchObject({ ok: false, rejection: { reason: 'MALFORMED_SIGNATURE' } });
  });
});

describe('verifyKefuEvent (HMAC-SHA256 over "t." ‖ raw body, 5-minute tolerance both ways)', () => {
  const verify = (header: string | undefined, bytes = body, secrets = [newSecret], at = now) =>
    verifyKefuEvent(bytes, header === undefined ? {} : { 'kefu-signature': header }, secrets, at);

  it('accepts a fresh signature', () => {
    expect(verify(kefuSignature(newSecret, seconds(now), body))).toEqual({ ok: true, secretIndex: 0 });
  });
  it('matches what signKefuEvent writes, the helper relays and the simulator use', () => {
    expect(signKefuEvent(body, [newSecret], now)).toBe(kefuSignature(newSecret, seconds(now), body));
  });
  it('refuses a wrong secret and a tampered body (row 23)', () => {
    expect(verify(kefuSignature('someone-else', seconds(now), body))).toMatchObject({ ok: false, rejection: { reason: 'SIGNATURE_MISMATCH' } });
    expect(verify(kefuSignature(newSecret, seconds(now), body), tampered)).toMatchObject({ ok: false, rejection: { reason: 'SIGNATURE_MISMATCH' } });
  });
  it('refuses a timestamp changed after signing', () => {
    const header = kefuSignature(newSecret, seconds(now), body).replace(`t=${seconds(now)}`, `t=${seconds(now) + 1}`);
    expect(verify(header)).toMatchObject({ ok: false, rejection: { reason: 'SIGNATURE_MISMATCH' } });
  });
  it('accepts up to 300 s of skew either way and refuses stale and future-dated requests beyond (row 23)', () => {
    expect(verify(kefuSignature(newSecret, seconds(now) - 300, body))).toMatchObject({ ok: true });
    expect(verify(kefuSignature(newSecret, seconds(now) + 300, body))).toMatchObject({ ok: true });
    expect(verify(kefuSignature(newSecret, seconds(now) - 301, body))).toMatchObject({ ok: false, rejection: { reason: 'STALE_TIMESTAMP' } });
    expect(verify(kefuSignature(newSecret, seconds(now) + 301, body))).toMatchObject({ ok: false, rejection: { reason: 'FUTURE_TIMESTAMP' } });
  });
  it('refuses a replay of a captured request once it is older than the window (row 23)', () => {
    const captured = kefuSignature(newSecret, seconds(now), body);
    expect(verify(captured)).toMatchObject({ ok: true });
    expect(verify(captured, body, [newSecret], new Date(now.getTime() + 301_000))).toMatchObject({ ok: false, rejection: { reason: 'STALE_TIMESTAMP' } });
  });
  it('accepts old and new secret during a rotation, and a sender signing with both', () => {
    const t = seconds(now);
    expect(verify(kefuSignature(oldSecret, t, body), body, [oldSecret, newSecret])).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(kefuSignature(newSecret, t, body), body, [oldSecret, newSecret])).toEqual({ ok: true, secretIndex: 1 });
    expect(verify(signKefuEvent(body, ['retired', newSecret], now), body, [newSecret])).toEqual({ ok: true, secretIndex: 0 });
  });
  it('refuses missing and garbled headers with a reason each (row 23)', () => {
    const signature = kefuSignature(newSecret, seconds(now), body);
    const v1 = signature.split(',')[1]!;
    expect(verify(undefined)).toMatchObject({ ok: false, rejection: { reason: 'MISSING_SIGNATURE' } });
    expect(verify(v1)).toMatchObject({ ok: false, rejection: { reason: 'MISSING_TIMESTAMP' } });
    expect(verify(`t=${seconds(now)}`)).toMatchObject({ ok: false, rejection: { reason: 'MALFORMED_SIGNATURE' } });
    expect(verify(`t=soon,${v1}`)).toMatchObject({ ok: false, rejection: { reason: 'MALFORMED_SIGNATURE' } });
    expect(verify(`t=${seconds(now)},v1=xyz`)).toMatchObject({ ok: false, rejection: { reason: 'MALFORMED_SIGNATURE' } });
    expect(verify(`t=1,t=2,${v1}`)).toMatchObject({ ok: false, rejection: { reason: 'MALFORMED_SIGNATURE' } });
  });
});

describe('receiveWebhook', () => {
  const endpoint = { shopId: 'shop-1', platform: 'shopify' as const };
  const garbage = Buffer.from('{"this is": not json', 'utf8');

  it.each([
    ['shopify', { 'x-shopify-hmac-sha256': shopifySignature('wrong', garbage) }],
    ['douyin', { 'x-douyin-signature': douyinSignature('wrong', garbage) }],
    ['kefu', { 'kefu-signature': kefuSignature('wrong', seconds(now), garbage) }],
    ['kefu', { 'kefu-signature': kefuSignature(newSecret, seconds(now) - 3600, garbage) }],
    ['shopify', {}],
  ] as const)('rejects a bad %s signature before any parse: JSON.parse is never called (row 23)', (kind, headers) => {
    const parse = vi.spyOn(JSON, 'parse');
    const [result, ...rest] = receiveWebhook(kind, { rawBody: garbage, headers }, endpoint, [newSecret], now);
    expect(rest).toEqual([]);
    expect(result && isSignatureRejection(result)).toBe(true);
    expect(parse).not.toHaveBeenCalled();
  });

  it('parses only after a valid signature: the same unparseable body then fails as MALFORMED_JSON', () => {
    const headers = { 'x-shopify-hmac-sha256': shopifySignature(newSecret, garbage), 'x-shopify-topic': 'orders/paid', 'x-shopify-event-id': 'e1', 'x-shopify-triggered-at': now.toISOString() };
    const [result] = receiveWebhook('shopify', { rawBody: garbage, headers }, endpoint, [newSecret], now);
    expect(result).toMatchObject({ kind: 'rejected', reason: 'MALFORMED_JSON', field: 'body', messageId: 'e1' });
    expect(result && isSignatureRejection(result)).toBe(false);
  });
});
