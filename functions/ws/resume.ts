import { roles } from '../../shared/auth/identity';
import { wsRoute } from '../../shared/middleware/ws-route';
import { resumeFrameSchema } from '../../shared/conversations/frames';
import { resumeConversations } from '../../shared/conversations/read-conversations';

/** resume: after a reconnect, every message after the client's last seq, per conversation, in order. */
export const handler = wsRoute({ frame: resumeFrameSchema, roles }, async ({ frame, identity }) => resumeConversations(identity, frame));
