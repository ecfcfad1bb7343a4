import { sendMessageFloodControl } from '../../shared/conversations/flood-control';
import { RateLimitedError } from '../../shared/http/errors';
import { wsRoute } from '../../shared/middleware/ws-route';
import { sendQuickReplyFrameSchema } from '../../shared/quick-replies/frames';
import { sendQuickReply } from '../../shared/quick-replies/send-quick-reply';

/**
 * sendQuickReply: staff send a phrase from their quick-reply libraries by its shortcut. Same flood
 * control and ack as sendMessage; the ack also carries the text that was sent.
 */
export const handler = wsRoute({ frame: sendQuickReplyFrameSchema, roles: ['agent', 'supervisor', 'admin'] }, async ({ frame, identity, connectionId }) => {
  if (!sendMessageFloodControl.take(connectionId)) throw new RateLimitedError('too many messages on this connection; slow down');
  return sendQuickReply(identity, frame);
});
