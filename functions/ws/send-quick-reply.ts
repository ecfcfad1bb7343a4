import { messageFloodControl } from '../../shared/conversations/flood-control';
import { wsRoute } from '../../shared/middleware/ws-route';
import { sendQuickReplyFrameSchema } from '../../shared/quick-replies/frames';
import { sendQuickReply } from '../../shared/quick-replies/send-quick-reply';

/**
 * sendQuickReply: staff send a phrase from their quick-reply libraries by its shortcut. Same flood
 * control (the same budget) and ack as sendMessage; the ack also carries the text that was sent.
 */
export const handler = wsRoute(
  { frame: sendQuickReplyFrameSchema, roles: ['agent', 'supervisor', 'admin'], floodControl: messageFloodControl },
  async ({ frame, identity }) => sendQuickReply(identity, frame),
);
