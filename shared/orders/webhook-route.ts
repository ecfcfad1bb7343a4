import { z } from 'zod';
import { httpRoute } from '../middleware/http-route';
import type { WebhookKind } from './ingest/receive-webhook';
import { ingestWebhook } from './ingest-webhook';

/** A platform's order webhook can carry hundreds of lines; kefu's own format up to 100 events. */
export const webhookMaxBodyBytes = 256 * 1024;

export const webhookPathParams = z.strictObject({ endpointId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be an endpoint id') });

/** POST /v1/webhooks/{kind}/{endpointId}: public (the signature is the credential), raw body, one domain call. */
export function webhookHandler(kind: WebhookKind) {
  return httpRoute(
    { auth: 'public', params: webhookPathParams, rawBody: true, maxBodyBytes: webhookMaxBodyBytes },
    async ({ params, rawBody, event }) => ({
      body: await ingestWebhook(kind, params.endpointId, { rawBody: rawBody!, headers: event.headers ?? {} }),
    }),
  );
}
