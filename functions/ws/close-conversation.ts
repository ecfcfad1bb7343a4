import { wsRoute } from '../../shared/middleware/ws-route';
import { closeConversationFrame } from '../../shared/routing/frames';
import { closeConversationByUser, ownershipDependencies } from '../../shared/routing/ownership';

/**
 * The assignee or a shop supervisor closes a conversation; the buyer's next message opens a new one. A
 * waiting conversation closed leaves its line: the buyers behind it are told their new places.
 */
export const handler = wsRoute({ frame: closeConversationFrame, roles: ['agent', 'supervisor', 'admin'] }, async ({ frame, identity }) =>
  closeConversationByUser(identity, frame.conversationId, ownershipDependencies),
);
