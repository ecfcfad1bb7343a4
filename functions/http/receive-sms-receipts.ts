import { httpRoute } from '../../shared/middleware/http-route';
import { receiveSmsReceipts } from '../../shared/outreach/sms-receipts';

/** POST /v1/sms/receipts: the SMS provider's signed delivery and read receipts, verified on the raw bytes. */
export const handler = httpRoute({ auth: 'public', rawBody: true, maxBodyBytes: 64 * 1024 }, async ({ rawBody, event }) => ({
  body: await receiveSmsReceipts(rawBody!, event.headers ?? {}, new Date()),
}));
