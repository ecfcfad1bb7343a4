import { roles } from '../../shared/auth/identity';
import { wsRoute } from '../../shared/middleware/ws-route';
import { helloFrameSchema } from '../../shared/conversations/frames';
import { inboxOf } from '../../shared/conversations/read-conversations';

/**
 * hello: the first frame after connecting. API Gateway cannot post to a socket during $connect, so the
 * inbox (open conversations with unread counts) is this action's reply.
 */
export const handler = wsRoute({ frame: helloFrameSchema, roles }, async ({ frame, identity }) => inboxOf(identity, frame));
