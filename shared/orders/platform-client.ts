import { ServiceUnavailableError } from '../http/errors';
import { env } from '../runtime/env';
import type { PlatformCredentials } from './integration';
import { parseJson } from './ingest/ingest-result';

/**
 * The platforms' order APIs as kefu uses them: Taobao's message service (consume a batch, confirm ids)
 * and an order read for the reconciliation sweep. One small module with a base URL (PLATFORM_API_URL), so
 * the local stack points it at the platform simulator. It speaks the simulator's JSON rendering of
 * taobao.tmc.messages.consume / .confirm and taobao.trades.sold.increment.get; the real TOP gateway also
 * wants each request signed with the app secret (not built here: docs/orders-design.md §9.4).
 */
export interface PlatformClient {
  consume(quantity: number): Promise<unknown[]>;
  confirm(ids: readonly string[]): Promise<void>;
  changedTrades(from: Date, to: Date): Promise<unknown[]>;
}

const timeoutMs = 10_000;

export function platformClient(sellerId: string, credentials: PlatformCredentials, baseUrl = env().PLATFORM_API_URL): PlatformClient {
  if (!baseUrl) throw new Error('PLATFORM_API_URL is not set: no platform API to call');
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> => {
    let response: Response;
    try {
      response = await fetch(`${baseUrl.replace(/\/$/, '')}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-app-key': credentials.appKey },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new ServiceUnavailableError('the platform API did not answer', { cause: error });
    }
    const text = await response.text();
    if (!response.ok) throw new ServiceUnavailableError(`the platform API answered ${response.status}`);
    // TMC ids and tids are 19-digit numbers: parsed keeping unsafe integers as their text.
    const parsed = parseJson(text, 'response');
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) throw new ServiceUnavailableError('the platform API answered something that is not JSON');
    return parsed.value as Record<string, unknown>;
  };
  return {
    async consume(quantity) {
      const out = await call('POST', '/tmc/messages/consume', { sellerId, quantity });
      return Array.isArray(out.messages) ? out.messages : [];
    },
    async confirm(ids) {
      if (ids.length > 0) await call('POST', '/tmc/messages/confirm', { sellerId, ids });
    },
    async changedTrades(from, to) {
      const query = new URLSearchParams({ sellerId, from: from.toISOString(), to: to.toISOString() });
      const out = await call('GET', `/orders/changed?${query}`);
      return Array.isArray(out.trades) ? out.trades : [];
    },
  };
}
