import { z } from 'zod';
import { platformSchema, type Platform } from '../envelope';
import { adaptTaobaoMessage } from './adapt-taobao-message';
import { fieldRejection, parseJson, reject, toEnvelope, type IngestResult } from './ingest-result';

/**
 * kefu's own event format, for a relay inside a platform's cloud or a firm's ERP. One signed request
 * (verify-kefu-event.ts) carries up to 100 items, each either an event already in kefu's envelope shape
 * (minus `shopId`, which comes from the endpoint the secret belongs to, never from the body), or a raw
 * Taobao TMC message under `tmc`, so a relay stays thin and the mapping lives in one place.
 */
export const maxKefuEventsPerRequest = 100;

const topics = new Set(['order.updated', 'refund.updated', 'logistics.updated', 'order.rated', 'order.reminded']);

const bodySchema = z.object({ events: z.array(z.record(z.string(), z.unknown())).min(1).max(maxKefuEventsPerRequest) });

export interface KefuEndpoint {
  shopId: string;
  /** The shop's platform: events of another platform are refused. */
  platform: Platform;
  /** The seller id the shop has on Taobao, to check a forwarded TMC message is about this shop. */
  taobaoSellerId?: string;
}

export function adaptKefuEvents(rawBody: Uint8Array, endpoint: KefuEndpoint): IngestResult[] {
  const json = parseJson(Buffer.from(rawBody).toString('utf8'), 'body');
  if (!json.ok) return [json.rejection];
  const body = bodySchema.safeParse(json.value);
  if (!body.success) return [fieldRejection(body.error, 'body')];
  return body.data.events.map((item, index) => adaptItem(item, endpoint, `body.events.${index}`));
}

function adaptItem(item: Record<string, unknown>, endpoint: KefuEndpoint, field: string): IngestResult {
  if ('tmc' in item) {
    if (endpoint.platform !== 'taobao') return reject('INVALID_FIELD', `${field}.tmc: this shop is not on Taobao`, { field: `${field}.tmc` });
    return adaptTaobaoMessage(item.tmc, (sellerId) => (sellerId === endpoint.taobaoSellerId ? endpoint.shopId : undefined));
  }
  if ('shopId' in item) return reject('INVALID_FIELD', `${field}.shopId: must not be sent; the endpoint names the shop`, { field: `${field}.shopId` });
  const platform = platformSchema.safeParse(item.platform ?? endpoint.platform);
  if (!platform.success || platform.data !== endpoint.platform) {
    return reject('INVALID_FIELD', `${field}.platform: must be ${endpoint.platform}`, { field: `${field}.platform` });
  }
  const messageId = typeof item.messageId === 'string' ? item.messageId : undefined;
  if (typeof item.topic === 'string' && !topics.has(item.topic) && messageId) {
    return { kind: 'ignored', platform: endpoint.platform, shopId: endpoint.shopId, messageId, sourceTopic: item.topic.slice(0, 128), reason: 'UNKNOWN_TOPIC' };
  }
  return toEnvelope({ ...item, sourceTopic: item.sourceTopic ?? item.topic, platform: endpoint.platform, shopId: endpoint.shopId }, field);
}
