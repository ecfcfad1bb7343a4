import { wsRoute } from '../../shared/middleware/ws-route';
import { transferFrame } from '../../shared/routing/frames';
import { transferConversation } from '../../shared/routing/ownership';

/** The assignee or a shop supervisor hands a conversation to another agent or back to a group, with a note. */
export const handler = wsRoute({ frame: transferFrame, roles: ['agent', 'supervisor', 'admin'] }, async ({ frame, identity }) =>
  transferConversation(identity, frame, { action: 'transfer' }),
);
