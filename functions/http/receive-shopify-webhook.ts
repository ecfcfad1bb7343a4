import { webhookHandler } from '../../shared/orders/webhook-route';

/** POST /v1/webhooks/shopify/{endpointId}: verified on the raw bytes, adapted, queued, answered. */
export const handler = webhookHandler('shopify');
