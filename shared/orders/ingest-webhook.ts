import { AppError, NotFoundError, ServiceUnavailableError } from '../http/errors';
import { sendOrderEvents } from '../notify/job-queues';
import { logger, metrics } from '../runtime/observability';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { recordOrderEventLog } from '../store/order-event-log';
import { getWebhookEndpoint } from '../store/order-integrations';
import { tenantIsOpen } from '../store/tenants';
import { openSecret } from '../store/secret-box';
import { validSecrets, webhookKindsOf } from './integration';
import type { Headers } from './ingest/signature';
import { isSignatureRejection, receiveWebhook, type WebhookKind } from './ingest/receive-webhook';
import { sortResults } from './order-event-log';

export const webhookDependencies = { getWebhookEndpoint, tenantOpen: tenantIsOpen, openSecret, sendOrderEvents, recordOrderEventLog };

/** What a webhook delivery came to; the platform only needs the 200. */
export interface WebhookReceipt {
  accepted: number;
  ignored: number;
  rejected: number;
  /** Douyin's URL verification: the challenge echoed back. */
  challenge?: unknown;
}

/**
 * One webhook delivery (issue 7 §1): find the endpoint the URL names (404 if unknown, inactive or not
 * accepting this format; 410 TENANT_DELETED if its tenant is deleted, being purged or purged), verify the signature on the raw bytes with the endpoint's valid secrets before
 * anything parses them (401, nothing stored, reliability row 23), adapt, put accepted events on the
 * orders queue, record ignored and rejected ones, then answer. If the queue or the record refused
 * anything the answer is 503, so the platform sends it again (the consumer's dedupe drops what did get
 * through); nothing slow happens before the answer.
 */
export async function ingestWebhook(
  kind: WebhookKind,
  endpointId: string,
  request: { rawBody: Uint8Array; headers: Headers },
  now = new Date(),
  deps = webhookDependencies,
): Promise<WebhookReceipt> {
  const endpoint = await deps.getWebhookEndpoint(endpointId);
  if (!endpoint || !endpoint.active || !webhookKindsOf(endpoint.platform).includes(kind)) throw new NotFoundError('webhook endpoint');
  // A deleted tenant's shops take no more orders (its data is being purged, or waits for a restore): 410, nothing stored or queued.
  if (!(await deps.tenantOpen(endpoint.tenantId))) throw new AppError(410, 'TENANT_DELETED', 'the tenant of this endpoint has been deleted; stop sending');
  const context = (purpose: string) => ({ tenantId: endpoint.tenantId, shopId: endpoint.shopId, purpose });
  const secrets = await Promise.all(validSecrets(endpoint.webhookSecrets, now).map((secret) => deps.openSecret(secret.sealed, context('webhook-secret'))));

  const results = receiveWebhook(
    kind,
    request,
    { shopId: endpoint.shopId, platform: endpoint.platform, ...(endpoint.platform === 'taobao' ? { taobaoSellerId: endpoint.platformShopId } : {}) },
    secrets,
    now,
  );
  const refusal = results.find(isSignatureRejection);
  if (refusal?.kind === 'rejected') {
    metrics.addMetric('WebhookSignatureRejected', MetricUnit.Count, 1);
    throw new AppError(401, refusal.reason, refusal.message, refusal.field ? [{ field: refusal.field, message: refusal.message }] : []);
  }

  const receivedAt = now.toISOString();
  const { messages, logEntries } = sortResults(results, { tenantId: endpoint.tenantId, shopId: endpoint.shopId, platform: endpoint.platform, via: 'webhook', receivedAt });
  const [sent] = await Promise.all([
    messages.length > 0 ? deps.sendOrderEvents(messages) : Promise.resolve({ sent: [], failed: [] }),
    logEntries.length > 0 ? deps.recordOrderEventLog(endpoint.tenantId, endpoint.shopId, logEntries) : Promise.resolve(),
  ]);
  if (sent.failed.length > 0) {
    throw new ServiceUnavailableError(`${sent.failed.length} of ${messages.length} events could not be queued; send them again`);
  }
  const rejected = logEntries.filter((entry) => entry.outcome === 'rejected');
  if (rejected.length > 0) {
    metrics.addMetric('OrderEventsRejected', MetricUnit.Count, rejected.length);
    // Reason and field only: the body is the platform's buyer data and never reaches a log.
    logger.warn('authentic order events rejected', { shopId: endpoint.shopId, rejections: rejected.map(({ reason, field, messageId }) => ({ reason, field, messageId })) });
  }
  const receipt: WebhookReceipt = { accepted: messages.length, ignored: logEntries.length - rejected.length, rejected: rejected.length };
  if (kind === 'douyin') {
    const challenge = douyinChallenge(request.rawBody);
    if (challenge !== undefined) receipt.challenge = challenge;
  }
  return receipt;
}

/** Douyin's `verify_webhook` event asks for its challenge back; the body was verified before this parse. */
function douyinChallenge(rawBody: Uint8Array): unknown {
  try {
    const body = JSON.parse(Buffer.from(rawBody).toString('utf8')) as { event?: unknown; content?: unknown };
    if (body.event !== 'verify_webhook') return undefined;
    const content = typeof body.content === 'string' ? (JSON.parse(body.content) as { challenge?: unknown }) : (body.content as { challenge?: unknown });
    return content?.challenge;
  } catch {
    return undefined;
  }
}
