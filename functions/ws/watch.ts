import { wsRoute } from '../../shared/middleware/ws-route';
import { watchFrame, type WatchAckFrame } from '../../shared/routing/frames';
import { watchConversation } from '../../shared/routing/ownership';

/** A shop supervisor follows a conversation's live messages (QC, coaching a new agent). */
export const handler = wsRoute({ frame: watchFrame, roles: ['supervisor', 'admin'] }, async ({ frame, identity }): Promise<WatchAckFrame> => ({
  type: 'ack',
  action: 'watch',
  ...(await watchConversation(identity, frame.conversationId)),
}));
