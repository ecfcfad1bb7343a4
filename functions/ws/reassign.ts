import { wsRoute } from '../../shared/middleware/ws-route';
import { reassignFrame } from '../../shared/routing/frames';
import { transferConversation } from '../../shared/routing/ownership';

/** A supervisor of the shop moves a conversation to another agent or group (e.g. off an overloaded agent). */
export const handler = wsRoute({ frame: reassignFrame, roles: ['supervisor', 'admin'] }, async ({ frame, identity }) =>
  transferConversation(identity, frame, { action: 'reassign' }),
);
