import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toHttpApiEvent } from '../../infra/local/http-api-event';
import { httpRoute } from '../../shared/middleware/http-route';
import { httpEvent, lambdaContext } from '../support/events';

type Result = { statusCode: number; body: string };

const echo = httpRoute({ auth: 'public', body: z.object({ name: z.string() }).strict() }, async ({ body }) => ({ body }));

/** `{"name":"<bytes>"}` with raw bytes inside the string. */
const jsonWithBytes = (...bytes: number[]) => Buffer.concat([Buffer.from('{"name":"'), Buffer.from(bytes), Buffer.from('"}')]);

/** The event the local gateway (as API Gateway) builds for a PUT with this raw body. */
const gatewayEvent = (body: Buffer) =>
  toHttpApiEvent(
    { method: 'PUT', url: '/x', headers: { 'content-type': 'application/json' }, body, sourceIp: '127.0.0.1', protocol: 'http', localPort: 3000 },
    { routeKey: 'PUT /x', pathParameters: undefined },
  );

describe('JSON bodies must be valid UTF-8 (row 20)', () => {
  it.each([
    ['a lone continuation byte', [0x80]],
    ['a truncated 3-byte sequence', [0xe4, 0xbd]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['a UTF-16 surrogate encoded as UTF-8', [0xed, 0xa0, 0x80]],
    ['a byte that never occurs in UTF-8', [0xff]],
  ])('refuses %s inside a string with 400 naming the body, not storing U+FFFD', async (_name, bytes) => {
    const event = gatewayEvent(jsonWithBytes(...bytes));
    // The gateway hands over the bytes as they were sent (base64), not a string already repaired with U+FFFD.
    expect(event.isBase64Encoded).toBe(true);
    const result = (await echo(event, lambdaContext)) as Result;
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'body', message: 'invalid UTF-8' }] });
  });

  it('accepts valid multi-byte text, whether passed as text or as base64', async () => {
    const valid = Buffer.from('{"name":"小美 🧴 é"}');
    const event = gatewayEvent(valid);
    expect(event.isBase64Encoded).toBe(false);
    expect(JSON.parse(((await echo(event, lambdaContext)) as Result).body)).toEqual({ name: '小美 🧴 é' });
    const base64 = { ...httpEvent({ method: 'PUT', path: '/x', rawBody: valid.toString('base64') }), isBase64Encoded: true };
    expect(JSON.parse(((await echo(base64, lambdaContext)) as Result).body)).toEqual({ name: '小美 🧴 é' });
  });

  it('still measures the size limit in bytes before decoding', async () => {
    const big = httpRoute({ auth: 'public', body: z.object({ name: z.string() }), maxBodyBytes: 10 }, async ({ body }) => ({ body }));
    const result = (await big(gatewayEvent(Buffer.from('{"name":"小美小美"}')), lambdaContext)) as Result;
    expect(result.statusCode).toBe(413);
  });
});
