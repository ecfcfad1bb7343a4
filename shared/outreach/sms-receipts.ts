import { AppError } from '../http/errors';
import { parseOrThrow } from '../http/zod-errors';
import { verifyKefuEvent } from '../orders/ingest/verify-kefu-event';
import type { Headers } from '../orders/ingest/signature';
import { recordSmsReceipt } from '../store/outreach';
import { smsReceiptsBody } from './outreach-frames';
import { smsCallbackSecrets } from './sms-callback-secret';

/**
 * The SMS provider's delivery and read receipts (issue 8, "reach tracked sent / read"; docs/outreach-design.md
 * §5 Reach). The provider adapter's callback: signed in kefu's own format (`Kefu-Signature: t=…,v1=…`,
 * HMAC-SHA256 over "<t>." ‖ the raw body with the provider's callback secret, ±300 s), checked on the raw
 * bytes before anything is parsed. Each receipt is recorded once on its task (a repeat changes nothing);
 * a read receipt stops the unread resend, an SMS still unread at the reach check is resent on chat.
 * The secrets (current and, during a rotation, previous) come from ./sms-callback-secret.ts.
 */
export const smsReceiptDependencies = {
  secrets: smsCallbackSecrets(),
  record: recordSmsReceipt,
};

export async function receiveSmsReceipts(rawBody: Uint8Array, headers: Headers, now: Date, deps = smsReceiptDependencies): Promise<{ recorded: number; ignored: number }> {
  const field = 'headers.kefu-signature';
  const signed = lowerCased(headers);
  let secrets = await deps.secrets.secrets();
  let verification = secrets.length > 0 ? verifyKefuEvent(rawBody, signed, secrets, now) : undefined;
  if (!verification || (!verification.ok && verification.rejection.reason === 'SIGNATURE_MISMATCH')) {
    // The cached secret may predate the operator's put (a rotation, or the first configuration): read it again (rate-limited).
    secrets = await deps.secrets.secrets({ refresh: true });
    verification = secrets.length > 0 ? verifyKefuEvent(rawBody, signed, secrets, now) : undefined;
  }
  if (!verification) throw new AppError(401, 'SMS_RECEIPTS_NOT_CONFIGURED', 'no SMS callback secret is configured: receipts cannot be verified', [{ field, message: 'cannot be verified here' }]);
  if (!verification.ok) throw new AppError(401, verification.rejection.reason, verification.rejection.message, [{ field: verification.rejection.field ?? field, message: verification.rejection.message }]);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(rawBody).toString('utf8'));
  } catch {
    throw new AppError(400, 'VALIDATION_FAILED', 'the body is not JSON', [{ field: 'body', message: 'must be JSON' }]);
  }
  const body = parseOrThrow(smsReceiptsBody, json, 'body');
  let recorded = 0;
  // One conditional update per receipt (the task's own item): a batch of 100 is 100 small writes.
  for (const receipt of body.receipts) if (await deps.record(receipt.tenantId, receipt.taskId, receipt.status, receipt.at, now)) recorded++;
  return { recorded, ignored: body.receipts.length - recorded };
}

const lowerCased = (headers: Headers): Headers => Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
