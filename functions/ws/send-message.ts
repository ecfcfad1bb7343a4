import { z } from 'zod';
import { parseOrThrow } from '../../shared/http/zod-errors';
import { wsRoute } from '../../shared/middleware/ws-route';
import { buyerSendMessageFrameSchema, staffSendMessageFrameSchema } from '../../shared/conversations/frames';
import { messageFloodControl } from '../../shared/conversations/flood-control';
import { sendMessage } from '../../shared/conversations/send-message';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../../shared/runtime/observability';

/**
 * sendMessage: a buyer writes to a shop (opening a conversation if needed), or staff reply in one.
 * The frame shape depends on the caller's role, so it is parsed after the role is known. Replies with an
 * ack carrying the stored seq, or an error frame.
 */
export const handler = wsRoute(
  { frame: z.unknown(), roles: ['buyer', 'agent', 'supervisor', 'admin'], floodControl: messageFloodControl },
  async ({ frame, identity }) => {
    const parsed =
      identity.role === 'buyer' ? parseOrThrow(buyerSendMessageFrameSchema, frame) : parseOrThrow(staffSendMessageFrameSchema, frame);
    const ack = await sendMessage(identity, parsed);
    metrics.addMetric(ack.duplicate ? 'DuplicateSends' : 'MessagesStored', MetricUnit.Count, 1);
    return ack;
  },
);
